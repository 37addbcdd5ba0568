import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { docker, dockerOn, TEST_LABEL, uniqueName } from '../support/docker.js';
import { createService } from '../support/swarm.js';
import { world } from '../support/world.js';

// Runs last (see test/world/sequencer.ts): world:down must leave no labelled
// container, network or volume behind. The first engine is kept for this check so
// it can be asked; the global teardown then runs the full world:down. Engine 2 is
// stopped either way (the world always started it), so what it held is checked in
// its data root.

const downScript = join(dirname(fileURLToPath(import.meta.url)), '..', 'world', 'down.sh');

describe('world:down', () => {
	it('removes every labelled container, network and volume, on both engines, and stops engine 2', async () => {
		const w = world();
		const e2 = dockerOn(w.engine2Host);
		const name = uniqueName('uw-down');
		await docker(['network', 'create', '--label', TEST_LABEL, `${name}-net`]);
		await docker(['volume', 'create', '--label', TEST_LABEL, `${name}-vol`]);
		await docker(['run', '-d', '--name', name, '--label', TEST_LABEL, '--network', `${name}-net`, '-v', `${name}-vol:/x`, `${w.appRepo}:1.6.0`]);
		// Engine 2: a labelled container and a labelled service (its tasks are containers too).
		await e2.docker(['pull', '-q', `${w.appRepo}:1.6.0`]);
		const onE2 = (await e2.docker(['run', '-d', '--name', name, '--label', TEST_LABEL, '--pull', 'never', `${w.appRepo}:1.6.0`])).stdout.trim();
		// `sleep` (the entrypoint execs it) keeps the task running without a database.
		await createService(w.swarmHost, { name, image: `${w.appRepo}:1.6.0`, caseLabel: `io.upgrade-wizard.case=${name}`, args: ['--no-healthcheck'], command: ['sleep', '600'] });
		const tasks = await waitForTaskContainer(w.swarmHost, name);
		const gateway = (await docker(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Gateway}}{{end}}', 'bridge'])).stdout.trim();

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

		// Engine 2 is stopped, after its container and the service's tasks were removed
		// (their directories are gone from its data root), and its bridge with it.
		expect((await e2.docker(['version'], { reject: false })).exitCode).not.toBe(0);
		const containers = join(w.dir, 'engine2', 'data', 'containers');
		expect(existsSync(containers)).toBe(true);
		for (const id of [onE2, ...tasks]) expect(existsSync(join(containers, id)), id).toBe(false);
		expect((await execa('ip', ['link', 'show', 'uwbr2'], { reject: false })).exitCode).not.toBe(0);
		expect((await execa('ip', ['-4', '-o', 'addr', 'show', 'dev', 'docker0'])).stdout).toContain(`inet ${gateway}/`);
	});
});

/** The full IDs of the service's task containers, once one runs (bounded). */
async function waitForTaskContainer(host: string, service: string): Promise<string[]> {
	const deadline = Date.now() + 60_000;
	while (Date.now() < deadline) {
		const ids = (await docker(['ps', '-q', '--no-trunc', '--filter', `label=com.docker.swarm.service.name=${service}`], { host })).stdout.split('\n').filter(Boolean);
		if (ids.length > 0) return ids;
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	throw new Error(`no task container of ${service} within 60 s`);
}
