import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { docker, TEST_LABEL, uniqueName } from '../support/docker.js';
import { world } from '../support/world.js';

// Runs last (see test/world/sequencer.ts): world:down must leave no labelled
// container, network or volume behind. The engine is kept for this check so it
// can be asked; the global teardown then runs the full world:down.

const downScript = join(dirname(fileURLToPath(import.meta.url)), '..', 'world', 'down.sh');

describe('world:down', () => {
	it('removes every labelled container, network and volume', async () => {
		const w = world();
		const name = uniqueName('uw-down');
		await docker(['network', 'create', '--label', TEST_LABEL, `${name}-net`]);
		await docker(['volume', 'create', '--label', TEST_LABEL, `${name}-vol`]);
		await docker(['run', '-d', '--name', name, '--label', TEST_LABEL, '--network', `${name}-net`, '-v', `${name}-vol:/x`, `${w.appRepo}:1.6.0`]);
		const result = await execa('bash', [downScript], { reject: false, env: { UW_WORLD_DIR: w.dir, UW_WORLD_KEEP_ENGINE: '1' }, timeout: 300_000 });
		expect(result.exitCode, result.stderr).toBe(0);
		const left = async (kind: string[]) => (await docker([...kind, '-q', '--filter', `label=${TEST_LABEL}`])).stdout.trim();
		expect(await left(['ps', '-a'])).toBe('');
		expect(await left(['network', 'ls'])).toBe('');
		expect(await left(['volume', 'ls'])).toBe('');
		// The registries and the host Postgres are stopped too.
		await expect(fetch(`http://${w.registry}/v2/`)).rejects.toThrow();
		const ready = await execa(join(w.pgBin, 'pg_isready'), ['-h', w.pgHost, '-p', String(w.pgPort)], { reject: false });
		expect(ready.exitCode).not.toBe(0);
	});
});
