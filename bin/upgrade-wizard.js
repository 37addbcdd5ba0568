#!/usr/bin/env node
// Thin entry: all logic lives in the compiled CLI so `npm install` (prepare -> build)
// leaves a working binary.
import { main } from '../dist/cli.js';

main(process.argv.slice(2)).then(
	(code) => {
		process.exitCode = code;
	},
	(error) => {
		process.stderr.write(`upgrade-wizard: internal error: ${error?.stack ?? error}\n`);
		process.exitCode = 70;
	},
);
