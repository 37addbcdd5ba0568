// An esbuild plugin for string-width 8 (Ink's measure of every text, and of
// every character it writes). Its fast path counts a line of printable ASCII
// by its length; any other character sends the line through Intl.Segmenter and
// the emoji and East Asian width tables, whose first use costs milliseconds
// before the first frame, for the wizard's few glyphs (· › → ✔ …) on nearly
// every line. Those glyphs are one column wide by string-width's own tables
// (test/unit/narrow-glyphs.test.ts checks each against it), so they join the
// fast path: the same widths, without the detour. The build fails if the fast
// path changed shape.
import { readFile } from 'node:fs/promises';

/** The screens' glyphs, each a single code point string-width measures as 1 column. */
export const NARROW_GLYPHS = '·…✖→✔›▏↺•░█│↓↑–⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏✓⚠ℹ';

const FAST_PATH = '/^[\\u0020-\\u007E]*$/.test(string)';

/** @returns {import('esbuild').Plugin} */
export function narrowGlyphs() {
	return {
		name: 'narrow-glyphs',
		setup(build) {
			build.onLoad({ filter: /[\\/]node_modules[\\/]string-width[\\/]index\.js$/ }, async (args) => {
				const source = await readFile(args.path, 'utf8');
				const { version } = JSON.parse(await readFile(args.path.replace(/index\.js$/, 'package.json'), 'utf8'));
				// Other majors (wrap-ansi's 7) measure some of these glyphs otherwise: left as they are.
				if (!version.startsWith('8.')) return undefined;
				if (!source.includes(FAST_PATH)) throw new Error(`${args.path}: no ${FAST_PATH} to widen: check scripts/narrow-glyphs.mjs against string-width ${version}`);
				return { contents: source.replace(FAST_PATH, `/^[\\u0020-\\u007E${NARROW_GLYPHS}]*$/.test(string)`), loader: 'js' };
			});
		},
	};
}
