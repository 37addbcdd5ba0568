import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { NARROW_GLYPHS, narrowGlyphs } from '../../scripts/narrow-glyphs.mjs';

// The bundle lets the screens' glyphs through string-width's ASCII fast path
// (scripts/narrow-glyphs.mjs): that is only right while string-width itself
// measures each of them as one column, alone and among other text.

const glyphs = [...(NARROW_GLYPHS)];

describe('the glyphs of the fast path', () => {
	it('are one column each by string-width, alone and in a line', () => {
		for (const glyph of glyphs) expect([glyph, stringWidth(glyph)]).toEqual([glyph, 1]);
		const line = `engine unix:///var/run/docker.sock · Docker 26 › ${glyphs.join(' ')}`;
		expect(stringWidth(line)).toBe(line.length);
	});

	it('reach the bundled string-width: the same widths, the slow path only for the others', async () => {
		const require = createRequire(import.meta.url);
		const entry = require.resolve('string-width').replace(/index\.js$/, 'package.json');
		expect(JSON.parse(readFileSync(entry, 'utf8')).version).toMatch(/^8\./);
		const out = await build({
			stdin: { contents: "export { default } from 'string-width';", resolveDir: process.cwd(), loader: 'js' },
			bundle: true,
			write: false,
			format: 'esm',
			platform: 'node',
			plugins: [narrowGlyphs()],
		});
		const code = out.outputFiles[0]!.text;
		expect(code).toContain(`\\u007E${NARROW_GLYPHS}]*$/.test(string)`);
		const bundled = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as { default: (text: string) => number };
		for (const text of ['· a › b → c', '⚠ ℹ ✔ ✖', '日本 · x', '👍 ok', 'é·']) expect([text, bundled.default(text)]).toEqual([text, stringWidth(text)]);
	});
});
