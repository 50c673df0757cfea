// Every function of the pipeline; a deployment (or `functions-framework --target`) picks one.
import './ingest.ts';
import './parse.ts';
import './record.ts';
import './deltas.ts';
import './builds.ts';
import './build-status.ts';
import './consent.ts';
import './drift.ts';
