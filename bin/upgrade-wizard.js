#!/usr/bin/env node
// Thin entry: all logic lives in the bundled CLI (dist/bundle, built by
// `npm run build`, which `npm install` runs through prepare).
import { main } from '../dist/bundle/cli.js';

main(process.argv.slice(2)).then(
	(code) => {
		process.exitCode = code;
	},
	(error) => {
		process.stderr.write(`upgrade-wizard: internal error: ${error?.stack ?? error}\n`);
		process.exitCode = 70;
	},
);
