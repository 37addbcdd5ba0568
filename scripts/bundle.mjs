// Bundles the CLI into dist/bundle: module loading, not rendering, dominates
// startup (see DESIGN.md), and one ESM file loads in about half the time of the
// same code spread over node_modules. Screens stay in chunks of their own, loaded
// only when the interactive wizard starts, so --yes and --json never pay for Ink.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

await build({
	entryPoints: [join(root, 'source/cli.ts')],
	outdir: join(root, 'dist/bundle'),
	bundle: true,
	splitting: true,
	format: 'esm',
	platform: 'node',
	target: 'node20',
	sourcemap: true,
	logLevel: 'warning',
	// dockerode's SSH transport pulls in optional native modules; engines are reached over sockets/TCP here.
	external: ['ssh2', 'cpu-features'],
	// Ink imports the React devtools only when DEV=true; never in this tool.
	alias: { 'react-devtools-core': join(root, 'scripts/empty-module.mjs') },
	define: { 'process.env.UPGRADE_WIZARD_VERSION': JSON.stringify(version) },
	// Bundled CommonJS dependencies (dockerode, pg) still call require().
	banner: { js: "import { createRequire as __uwCreateRequire } from 'node:module'; const require = __uwCreateRequire(import.meta.url);" },
});
