import { filterSqliteExperimentalWarning } from '../../cli/sqlite-warning.ts';

// The state store's node:sqlite warns once per process that it is experimental: not news here.
filterSqliteExperimentalWarning();
