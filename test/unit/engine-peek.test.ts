import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { enginePeek } from '../../source/docker/engine-peek.js';
import { resolveEngine } from '../../source/docker/engine-resolve.js';
import { WizardSession } from '../../source/sessions/wizard-session.js';
import { tempDir } from '../support/temp-dir.js';

// The first frame's two questions asked with node:http (docker/engine-peek.ts),
// against a fake engine on a unix socket that records what it was asked; and
// the wizard session built on them: the connection after the frame does not
// ask the version again, and dockerode takes over on the same socket.

const ROW = { Id: 'c1'.repeat(32), Names: ['/app-1'], Image: 'registry.local:5000/acme/app:1.6.0', ImageID: 'sha256:aa', Command: '/app', Created: 1, State: 'running', Status: 'Up 3 hours (healthy)', Labels: {} };
const LOCK = { ...ROW, Id: 'l0'.repeat(32), Names: ['/upgrade-wizard-lock'], Labels: { 'io.upgrade-wizard.lock': '1' } };

interface FakeEngine {
	socket: string;
	asked: string[];
	server: Server;
}

const servers: Server[] = [];

afterEach(async () => {
	await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function fakeEngine(answers: Record<string, { status?: number; body: unknown }> = {}): Promise<FakeEngine> {
	const socket = join(tempDir('uw-peek-'), 'docker.sock');
	const asked: string[] = [];
	const server = createServer((request, response) => {
		asked.push(`${request.method} ${request.url}`);
		const path = (request.url ?? '').replace(/^\/v[\d.]+/, '');
		const answer =
			answers[path] ??
			(path === '/version'
				? { body: { Version: '26.1.5', ApiVersion: '1.45' } }
				: path.startsWith('/containers/json')
					? { body: [ROW, LOCK] }
					: path === `/containers/${ROW.Id}/json`
						? { body: { Id: ROW.Id, Name: '/app-1', Config: { Image: ROW.Image, Labels: {}, Env: [] }, State: { Running: true, StartedAt: '2026-12-03T06:00:00Z' } } }
						: { status: 404, body: { message: `no such thing: ${path}` } });
		response.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
		response.end(JSON.stringify(answer.body));
	});
	servers.push(server);
	await new Promise<void>((resolve) => server.listen(socket, resolve));
	return { socket, asked, server };
}

const target = (socket: string) => resolveEngine([], { DOCKER_HOST: `unix://${socket}` });

describe('the first-frame peek', () => {
	it('asks the version and the whole list with two GETs, as dockerode would', async () => {
		const engine = await fakeEngine();
		const peek = enginePeek(target(engine.socket))!;
		expect(await peek.version()).toEqual({ Version: '26.1.5', ApiVersion: '1.45' });
		expect(await peek.listContainers({ all: true })).toEqual([ROW, LOCK]);
		expect(engine.asked).toEqual(['GET /version', 'GET /containers/json?all=true']);
	});

	it("rejects with the engine's status and message when it refuses", async () => {
		const engine = await fakeEngine({ '/version': { status: 500, body: { message: 'engine is shutting down' } } });
		await expect(enginePeek(target(engine.socket))!.version()).rejects.toMatchObject({ statusCode: 500, message: 'GET /version: HTTP 500: engine is shutting down' });
	});

	it('rejects with the connection error when nothing listens', async () => {
		await expect(enginePeek(target(join(tempDir('uw-peek-'), 'none.sock')))!.version()).rejects.toMatchObject({ code: 'ENOENT' });
	});

	it('leaves TLS and ssh engines to dockerode', () => {
		expect(enginePeek(resolveEngine([], { DOCKER_HOST: 'ssh://deploy@node-b' }))).toBeUndefined();
		expect(enginePeek(resolveEngine([], { DOCKER_HOST: 'tcp://10.0.0.5:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/nonexistent' }))).toBeUndefined();
		expect(enginePeek(resolveEngine([], { DOCKER_HOST: 'tcp://10.0.0.5:2375' }))).toBeDefined();
	});
});

describe('the wizard session on the peek', () => {
	function session(socket: string): WizardSession {
		return new WizardSession({
			selection: { containers: ['app-1'], labels: [] },
			env: { DOCKER_HOST: `unix://${socket}`, XDG_STATE_HOME: tempDir('uw-peek-state-'), HOME: '/nonexistent-home', DOCKER_CONFIG: '/nonexistent-config' },
			request: { healthTimeoutS: 120, stableS: 10, keepOld: false, filters: { pre: false, allowMajor: false }, skipBackup: false, offlineBackup: false, noMigrations: false, stopAllFirst: false, argv: [] },
		});
	}

	it('has the engine, no interrupted runs and the list before the screens mount; connects without asking the version again', async () => {
		const engine = await fakeEngine();
		const backend = session(engine.socket);
		backend.prefetch();
		await backend.settle(5_000);
		const early = backend.prefetched();
		expect(early.engine).toEqual({ name: `unix://${engine.socket}`, endpoint: `unix://${engine.socket}`, engineVersion: '26.1.5', apiVersion: '1.45' });
		expect(early.interruptedRuns).toEqual([]);
		// The run lock is never a row; the selection preselects.
		expect(early.containers).toMatchObject([{ name: 'app-1', version: '1.6.0', state: 'running', health: 'healthy', preselected: true }]);
		expect(early.containers![0]!.startedAt).toBeUndefined();

		expect(await backend.connect()).toEqual(early.engine);
		const detailed = await backend.containerDetails(early.containers!);
		// The inspect (through dockerode, on the same socket) adds the start time.
		expect(detailed).toMatchObject([{ name: 'app-1', startedAt: '2026-12-03T06:00:00Z' }]);
		expect(engine.asked.filter((line) => line.endsWith('/version'))).toHaveLength(1);
		expect(engine.asked).toContain(`GET /containers/${ROW.Id}/json`);
	});

	it('asks through dockerode after the frame when the peek got no version', async () => {
		const engine = await fakeEngine({ '/version': { status: 500, body: { message: 'not now' } } });
		const backend = session(engine.socket);
		backend.prefetch();
		await backend.settle(5_000);
		expect(backend.prefetched().engine).toBeUndefined();
		// The connection asks again, and says what the engine said.
		await expect(backend.connect()).rejects.toThrow(/cannot reach the Docker engine at unix:\/\/.*docker\.sock/);
		expect(engine.asked.filter((line) => line.endsWith('/version'))).toHaveLength(2);
	});
});
