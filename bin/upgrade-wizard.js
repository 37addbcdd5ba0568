#!/usr/bin/env node
// Thin entry: all logic lives in the bundled CLI (dist/bundle). A package from
// npm has it built in (`npm pack` and `npm publish` build it through prepack);
// a checkout builds it with `npm run build` (`npm test` does too).
import { existsSync } from 'node:fs';
import module from 'node:module';

// Node 22.1+ keeps V8's compiled code of the bundle between runs (in the OS temp
// dir): a later start parses less before the first frame. Node 20 has no such
// call for ES modules; there it is skipped.
module.enableCompileCache?.();

const bundle = new URL('../dist/bundle/cli.js', import.meta.url);
if (!existsSync(bundle)) {
	process.stderr.write('upgrade-wizard: not built yet (no dist/bundle/cli.js): run `npm run build` in the checkout\n');
	process.exit(70);
}
const { main } = await import(bundle.href);

main(process.argv.slice(2)).then(
	(code) => {
		process.exitCode = code;
	},
	(error) => {
		process.stderr.write(`upgrade-wizard: internal error: ${error?.stack ?? error}\n`);
		process.exitCode = 70;
	},
);
