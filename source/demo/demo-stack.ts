import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type Docker from 'dockerode';
import { UsageError } from '../core/errors.js';
import { connectEngine } from '../docker/engine.js';
import { pullImage } from '../docker/pull.js';

// `upgrade-wizard demo`: a disposable stack on the local engine (the fixture app
// at an old version with its own Postgres container), built offline from the
// same recipe as the test world, in a world of its own (other ports, other state
// dir) so it never collides with a test run.

export const DEMO_LABEL = 'io.upgrade-wizard.demo=1';
export const DEMO_APP = 'uw-demo-app';
const DEMO_DB = 'uw-demo-db';
const DEMO_NETWORK = 'uw-demo';
const DEMO_APP_PORT = 18080;
const DEMO_ENV = {
	UW_WORLD_DIR: '/var/tmp/upgrade-wizard-demo',
	UW_REGISTRY_PORT: '5100',
	UW_AUTH_REGISTRY_PORT: '5101',
	UW_PG_PORT: '55532',
	UW_WORLD_LABEL: 'io.upgrade-wizard.demo=1',
	// The app and its Postgres: the product fixtures and older majors are the tests' (and would need npm).
	UW_WORLD_IMAGES: 'core',
};

const worldScripts = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'world');

function parseEnv(text: string): Record<string, string> {
	const env: Record<string, string> = {};
	for (const line of text.split('\n')) {
		const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
		if (match) env[match[1]!] = match[2]!.replace(/^"(.*)"$/, '$1');
	}
	return env;
}

async function waitHealthy(docker: Docker, name: string, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	let status = '';
	while (Date.now() < deadline) {
		const info = await docker.getContainer(name).inspect();
		status = info.State.Health?.Status ?? info.State.Status;
		if (status === 'healthy') return;
		if (!info.State.Running) throw new Error(`${name} stopped while starting (${info.State.Status})`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	throw new Error(`${name} was not healthy within ${timeoutMs / 1000} s (${status})`);
}

export interface DemoStack {
	app: string;
	url: string;
	log: string[];
}

export async function demoUp(progress: (line: string) => void): Promise<DemoStack> {
	// Say in one line what is missing rather than start an engine behind the user's back.
	const engine = await connectEngine().catch((error: unknown) => {
		throw new UsageError(`the demo needs a running Docker engine: ${(error as Error).message}`);
	});
	const { docker } = engine;
	progress(`engine ${engine.engineVersion} at ${engine.endpoint}; building the demo images offline (first time: about a minute)`);
	const up = await execa('bash', [join(worldScripts, 'up.sh')], { env: DEMO_ENV, reject: false, timeout: 600_000, stdin: 'ignore' });
	if (up.exitCode !== 0) {
		const last = up.stderr.trim().split('\n').at(-1) ?? '';
		throw new Error(`could not build the demo images: ${last}`);
	}
	const world = parseEnv(await readFile(join(DEMO_ENV.UW_WORLD_DIR, 'world.env'), 'utf8'));
	await demoRemoveContainers(docker);
	// up.sh makes sure the demo's registry has the images; a local copy may be
	// gone (pruned, untagged): fetch it from that loopback registry.
	for (const ref of [world.UW_PG_IMAGE!, `${world.UW_APP_REPO}:1.6.0`]) {
		const present = await docker.getImage(ref).inspect().then(() => true, () => false);
		if (!present) await pullImage(docker, ref, { timeoutMs: 120_000 });
	}

	const password = `demo-${randomBytes(6).toString('hex')}`;
	// The images carry the test world's label; 0 here keeps test cleanups off the demo.
	const labels = { 'io.upgrade-wizard.demo': '1', 'io.upgrade-wizard.test': '0' };
	await docker.createNetwork({ Name: DEMO_NETWORK, Labels: labels });
	progress(`starting ${DEMO_DB} (Postgres ${world.UW_PG_MAJOR}, not published) and ${DEMO_APP} 1.6.0 on 127.0.0.1:${DEMO_APP_PORT}`);
	const db = await docker.createContainer({
		name: DEMO_DB,
		Image: world.UW_PG_IMAGE,
		Labels: labels,
		Env: ['POSTGRES_USER=acme', `POSTGRES_PASSWORD=${password}`, 'POSTGRES_DB=acme'],
		HostConfig: { RestartPolicy: { Name: 'unless-stopped' } },
		NetworkingConfig: { EndpointsConfig: { [DEMO_NETWORK]: { Aliases: ['db'] } } },
	});
	await db.start();
	await waitHealthy(docker, DEMO_DB, 60_000);
	const app = await docker.createContainer({
		name: DEMO_APP,
		Image: `${world.UW_APP_REPO}:1.6.0`,
		Labels: labels,
		Env: [`DATABASE_URL=postgresql://acme:${password}@db:5432/acme`, 'MIGRATION_DELAY=1'],
		ExposedPorts: { '8080/tcp': {} },
		HostConfig: {
			PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: String(DEMO_APP_PORT) }] },
			RestartPolicy: { Name: 'unless-stopped' },
		},
		NetworkingConfig: { EndpointsConfig: { [DEMO_NETWORK]: {} } },
	});
	await app.start();
	await waitHealthy(docker, DEMO_APP, 60_000);
	return { app: DEMO_APP, url: `http://127.0.0.1:${DEMO_APP_PORT}/health/endtoend`, log: [] };
}

async function demoRemoveContainers(docker: Docker): Promise<number> {
	const rows = await docker.listContainers({ all: true, filters: { label: [DEMO_LABEL] } });
	for (const row of rows) await docker.getContainer(row.Id).remove({ force: true, v: true });
	const networks = await docker.listNetworks({ filters: { label: [DEMO_LABEL] } });
	for (const network of networks) await docker.getNetwork(network.Id).remove();
	return rows.length;
}

export async function demoDown(progress: (line: string) => void): Promise<void> {
	const { docker } = await connectEngine().catch((error: unknown) => {
		throw new UsageError(`the demo needs a running Docker engine: ${(error as Error).message}`);
	});
	const removed = await demoRemoveContainers(docker);
	progress(`removed ${removed} demo container(s) and the demo network`);
	const down = await execa('bash', [join(worldScripts, 'down.sh')], { env: DEMO_ENV, reject: false, timeout: 300_000, stdin: 'ignore' });
	if (down.exitCode !== 0) throw new Error(`demo world teardown failed: ${down.stderr.trim().split('\n').at(-1) ?? ''}`);
	progress('demo registries and Postgres stopped');
}
