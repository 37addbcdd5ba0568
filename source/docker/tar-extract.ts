import type { Extract } from 'tar-stream';

// tar-stream is CommonJS and loaded only when a run reads an archive (startup
// pays nothing for it). Under Node its dynamic import has the named exports;
// in the esbuild bundle it has only `default` (module.exports): take either.

type TarStream = typeof import('tar-stream');

export async function tarExtract(): Promise<Extract> {
	const loaded = (await import('tar-stream')) as TarStream & { default?: TarStream };
	return (typeof loaded.extract === 'function' ? loaded : loaded.default!).extract();
}
