// Bundles the CLI into dist/bundle: module loading, not rendering, dominates
// startup (see DESIGN.md), and one ESM file loads in about half the time of the
// same code spread over node_modules. Screens stay in chunks of their own, loaded
// only when the interactive wizard starts, so --yes and --json never pay for Ink.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { narrowGlyphs } from './narrow-glyphs.mjs';
import { yogaWithoutFetch } from './yoga-without-fetch.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

// Chunk names carry content hashes: without this, chunks of earlier builds stay
// in the directory and would travel in the package.
rmSync(join(root, 'dist/bundle'), { recursive: true, force: true });

await build({
	entryPoints: [join(root, 'source/cli.ts')],
	outdir: join(root, 'dist/bundle'),
	bundle: true,
	splitting: true,
	format: 'esm',
	platform: 'node',
	target: 'node20',
	// Maps stay in the checkout (for `node --enable-source-maps` while developing)
	// and out of the package (package.json "files" takes dist/bundle/*.js only):
	// they are two thirds of the bundle's size, and the bundle is not minified, so
	// a stack trace's file:line reads as it is, each module under a path comment.
	sourcemap: true,
	logLevel: 'warning',
	// Nothing is external: the published package has no dependencies, so the
	// bundle must not require() anything but Node's own modules at run time
	// (test/integration/packaging.test.ts installs the tarball alone and runs it).
	alias: {
		// Ink imports the React devtools only when DEV=true; never in this tool.
		'react-devtools-core': join(root, 'scripts/empty-module.mjs'),
		// dockerode's ssh transport (ssh2, and its native cpu-features) stays out:
		// ssh:// engines go through the system's ssh and `docker system dial-stdio`.
		ssh2: join(root, 'scripts/no-ssh2.cjs'),
		// dockerode's image builds (BuildKit's gRPC session, the build context's tar):
		// loaded with dockerode, never used by the wizard.
		...Object.fromEntries(
			['@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs', 'uuid', 'tar-fs', '@balena/dockerignore'].map((name) => [name, join(root, 'scripts/no-image-builds.cjs')]),
		),
	},
	// React's production build: the development one (prop checks, warnings nobody
	// reads in a terminal tool) was two thirds of the code parsed before the first frame.
	define: { 'process.env.UPGRADE_WIZARD_VERSION': JSON.stringify(version), 'process.env.NODE_ENV': '"production"' },
	// Ink's dependencies, patched at bundle time for the first frame (each file says why).
	plugins: [yogaWithoutFetch(), narrowGlyphs()],
	// Bundled CommonJS dependencies (dockerode, pg) still call require().
	banner: { js: "import { createRequire as __uwCreateRequire } from 'node:module'; const require = __uwCreateRequire(import.meta.url);" },
});
