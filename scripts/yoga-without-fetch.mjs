// An esbuild plugin for Ink's layout engine. yoga-layout's wasm is inlined as
// a data: URL, and its Emscripten loader reads it with fetch() whenever fetch
// exists: in Node that first touch of the global loads undici (Node's fetch,
// ~15 ms of CPU before the first frame) to decode a string already in memory.
// Told there is no fetch, the loader decodes the same base64 itself and
// instantiates the same bytes. The build fails if the loader changed shape, so
// a yoga-layout update cannot silently drop the patch.
import { readFile } from 'node:fs/promises';

const NO_FETCH = '"function"!=typeof fetch';

/** @returns {import('esbuild').Plugin} */
export function yogaWithoutFetch() {
	return {
		name: 'yoga-without-fetch',
		setup(build) {
			build.onLoad({ filter: /yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/ }, async (args) => {
				const source = await readFile(args.path, 'utf8');
				const uses = source.split(NO_FETCH).length - 1;
				if (uses === 0) throw new Error(`${args.path}: no ${NO_FETCH} to patch: check scripts/yoga-without-fetch.mjs against this yoga-layout`);
				return { contents: source.replaceAll(NO_FETCH, '(!0)'), loader: 'js' };
			});
		},
	};
}
