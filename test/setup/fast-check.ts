import fc from 'fast-check';

// Locally every run explores new random cases. In CI the seed is fixed, so that a run
// is reproducible and a submission never fails on a case nobody has seen; set
// FAST_CHECK_SEED to replay any seed a failure printed.
const seed =
  process.env['FAST_CHECK_SEED'] ?? (process.env['CI'] === undefined ? undefined : '20261122');
if (seed !== undefined) fc.configureGlobal({ seed: Number(seed) });
