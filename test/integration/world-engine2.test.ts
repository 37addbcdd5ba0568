import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { docker, dockerOn, TEST_LABEL, uniqueName } from '../support/docker.js';
import { createService, removeServicesByLabel, serviceTasks, waitServiceRunning } from '../support/swarm.js';

// The world's second engine and the single-node swarm on it, which the
// several-engines and Swarm tests stand on. Engine 1 must not notice any of it.

const w = world();
const e2 = dockerOn(w.engine2Host);
const caseLabel = `io.upgrade-wizard.case=${uniqueName('world-e2')}`;
const image = `${w.appRepo}:1.6.0`;
let db: TestDatabase | undefined;

const ipv4Of = async (device: string) => (await execa('ip', ['-4', '-o', 'addr', 'show', 'dev', device])).stdout;

beforeAll(async () => {
	db = await createTestDatabase(w, 'e2');
	// Tests pull what they need: nothing is pre-pulled on engine 2.
	await e2.docker(['pull', '-q', image]);
	// Migrated once up front: two replicas starting together must not race on the schema.
	await e2.docker(['run', '--rm', '--label', TEST_LABEL, '--label', caseLabel, '-e', `DATABASE_URL=${db.containerUrl}`, '-v', db.socketMount, image, 'migrate']);
});

afterAll(async () => {
	await removeServicesByLabel(w.swarmHost, caseLabel);
	await e2.removeByLabel(caseLabel);
	await db?.drop();
});

describe('the second engine', () => {
	it('answers on its own socket with another engine ID than engine 1', async () => {
		const id1 = (await docker(['info', '--format', '{{.ID}}'])).stdout.trim();
		const id2 = (await e2.docker(['info', '--format', '{{.ID}}'])).stdout.trim();
		expect(w.engine2Host).not.toBe(w.dockerHost);
		expect(id2).toMatch(/^[A-Z0-9]{4}(:[A-Z0-9]{4}){11}$/);
		expect(id2).not.toBe(id1);
	});

	it('runs a labelled app 1.6.0 healthy, on its own bridge (10.213.0.0/24), not on docker0', async () => {
		const name = uniqueName('uw-e2-app');
		await e2.docker(['run', '-d', '--name', name, '--label', TEST_LABEL, '--label', caseLabel, '--pull', 'never', '-e', `DATABASE_URL=${db!.containerUrl}`, '-v', db!.socketMount, image]);
		await e2.waitHealthy(name, 60_000);
		const ip = (await e2.docker(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', name])).stdout.trim();
		expect(ip).toMatch(/^10\.213\.0\.\d+$/);
		expect(await e2.exists(name)).toBe(true);
		// The first engine has no such container: the engines are apart.
		expect((await docker(['ps', '-aq', '--filter', `label=${caseLabel}`])).stdout.trim()).toBe('');
	});

	it('leaves docker0 with the first engine bridge network gateway address', async () => {
		const gateway = (await docker(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Gateway}}{{end}}', 'bridge'])).stdout.trim();
		expect(gateway).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
		expect(await ipv4Of('docker0')).toContain(`inet ${gateway}/`);
	});

	it('cleanup by label on engine 2 removes its containers there', async () => {
		const before = (await e2.docker(['ps', '-aq', '--filter', `label=${caseLabel}`])).stdout.trim();
		expect(before).not.toBe('');
		await e2.removeByLabel(caseLabel);
		expect((await e2.docker(['ps', '-aq', '--filter', `label=${caseLabel}`])).stdout.trim()).toBe('');
	});
});

describe('the swarm on the second engine', () => {
	it('is a single-node manager, with docker_gwbridge on its own subnet and no ingress', async () => {
		const state = (await docker(['info', '--format', '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'], { host: w.swarmHost })).stdout.trim();
		expect(state).toBe('active true');
		const nodes = (await docker(['node', 'ls', '--format', '{{.Status}} {{.ManagerStatus}}'], { host: w.swarmHost })).stdout.trim();
		expect(nodes).toBe('Ready Leader');
		const gw = (await e2.docker(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}}{{end}}', 'docker_gwbridge'])).stdout.trim();
		expect(gw).toBe('10.214.0.0/24');
		expect(await e2.exists('ingress')).toBe(false);
		// The first engine is in no swarm.
		expect((await docker(['info', '--format', '{{.Swarm.LocalNodeState}}'])).stdout.trim()).toBe('inactive');
	});

	it('runs a labelled 2-replica service to 2 running, healthy tasks, and cleanup removes it', async () => {
		const name = uniqueName('uw-e2-svc');
		await createService(w.swarmHost, {
			name, image, caseLabel, replicas: 2,
			args: ['--env', `DATABASE_URL=${db!.containerUrl}`, '--mount', `type=bind,src=${w.pgSocketDir},dst=/run/postgresql`],
		});
		const running = await waitServiceRunning(w.swarmHost, name, 2, 90_000);
		expect(running).toHaveLength(2);
		expect(new Set(running.map((task) => task.containerId)).size).toBe(2);
		for (const task of running) expect(await e2.exists(task.containerId)).toBe(true);

		await removeServicesByLabel(w.swarmHost, caseLabel);
		expect((await docker(['service', 'ls', '-q', '--filter', `label=${caseLabel}`], { host: w.swarmHost })).stdout.trim()).toBe('');
		expect(await serviceTasks(w.swarmHost, name).catch(() => [])).toEqual([]);
		for (const task of running) expect(await e2.exists(task.containerId)).toBe(false);
	});
});
