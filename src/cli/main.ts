#!/usr/bin/env node
// The `planton` command (package.json `bin`). First: on a Node.js older than 24 this throws one clear error.
import '../planton/assertNodeVersion.ts';
import {runCli} from './runCli.ts';

process.exitCode = await runCli(process.argv.slice(2));
