import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { TestSpecification } from 'vitest/node';
import config from '../../vitest.config.js';
import WorldDownLast from '../world/sequencer.js';

// The harness itself: a CI run once went red because world:down ran in the middle
// of the integration files (the sequencer sat in a project, where vitest ignores
// it) and because the npm package lacked a script up.sh sources.

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('the test harness', () => {
	it('sets the world-down-last sequencer at the root, where vitest reads it', () => {
		expect(config.test?.sequence?.sequencer).toBe(WorldDownLast);
	});

	it('sorts world:down after every other integration file, even when it is the largest', async () => {
		const sizes: Record<string, number> = { 'integration:test/integration/world-down.test.ts': 9000, 'integration:test/integration/a.test.ts': 100, 'integration:test/integration/b.test.ts': 5000 };
		const ctx = {
			config: { root: '/r' },
			cache: { getFileTestResults: () => undefined, getFileStats: (key: string) => ({ size: sizes[key] ?? 0 }) },
		};
		const project = { name: 'integration', config: { sequence: { groupOrder: 0 }, isolate: true } };
		const spec = (file: string) => ({ moduleId: `/r/test/integration/${file}`, project }) as unknown as TestSpecification;
		const sorted = await new WorldDownLast(ctx as never).sort([spec('world-down.test.ts'), spec('a.test.ts'), spec('b.test.ts')]);
		expect(sorted.map((s) => s.moduleId.split('/').at(-1))).toEqual(['b.test.ts', 'a.test.ts', 'world-down.test.ts']);
	});

	it('ships every world script that up.sh and down.sh source in the npm package (the demo runs them)', () => {
		const files = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { files: string[] }).files;
		const sourced = new Set<string>();
		const pending = ['up.sh', 'down.sh'];
		while (pending.length > 0) {
			const script = pending.pop()!;
			sourced.add(script);
			for (const match of readFileSync(join(root, 'test', 'world', script), 'utf8').matchAll(/^source "[^"]*\/([\w.-]+\.sh)"/gm)) {
				if (!sourced.has(match[1]!)) pending.push(match[1]!);
			}
		}
		expect(sourced.size).toBeGreaterThan(3);
		for (const script of sourced) expect(files, script).toContain(`test/world/${script}`);
	});
});
