import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { Executor } from '../../source/core/executor.js';
import { Journal } from '../../source/core/journal.js';
import { AuditLog } from '../../source/core/audit-log.js';
import { Redactor } from '../../source/core/redact.js';
import type { Plan, ContainerPlan } from '../../source/core/plan.js';
import type { TimedEvent } from '../../source/core/events.js';
import { genericProfile } from '../../source/profiles/profile.js';
import { summaryLines } from '../../source/reporters/human.js';

// The executor's rollback paths on an in-memory engine, so that failures no
// real engine produces on demand (a rename back that is refused) can be forced.
// The same paths run against the real engine in test/integration.

interface FakeContainer {
	id: string;
	name: string;
	image: string;
	running: boolean;
}

function engineError(statusCode: number, message: string) {
	return Object.assign(new Error(`(HTTP code ${statusCode}) - ${message}`), { statusCode, json: { message } });
}

function fakeEngine(failures: { startNew?: boolean; renameBack?: boolean }) {
	const containers = new Map<string, FakeContainer>();
	let next = 1;
	const find = (idOrName: string) => containers.get(idOrName) ?? [...containers.values()].find((c) => c.name === idOrName);
	const add = (name: string, image: string, running: boolean) => {
		const id = `${String(next++).padStart(2, '0')}${'f'.repeat(62)}`;
		containers.set(id, { id, name, image, running });
		return id;
	};
	const docker = {
		modem: {
			followProgress: (_stream: unknown, done: (error: Error | null) => void) => setImmediate(() => done(null)),
			demuxStream: () => undefined,
		},
		pull: async () => new PassThrough(),
		getEvents: async () => new PassThrough(),
		createContainer: async (options: { name: string; Image: string }) => ({ id: add(options.name, options.Image, false) }),
		getNetwork: () => ({ connect: async () => undefined }),
		getContainer: (idOrName: string) => ({
			inspect: async () => {
				const c = find(idOrName);
				if (!c) throw engineError(404, `No such container: ${idOrName}`);
				return {
					Id: c.id,
					Name: `/${c.name}`,
					RestartCount: 0,
					Config: { Image: c.image, Healthcheck: undefined, Env: [] },
					State: { Running: c.running, Status: c.running ? 'running' : 'exited', ExitCode: 0 },
				};
			},
			stop: async () => {
				const c = find(idOrName)!;
				if (!c.running) throw engineError(304, 'not modified');
				c.running = false;
			},
			start: async () => {
				const c = find(idOrName)!;
				if (failures.startNew && c.image.endsWith(':1.7.0')) throw engineError(500, 'driver failed programming external connectivity: port is already allocated');
				c.running = true;
			},
			rename: async ({ name }: { name: string }) => {
				if (failures.renameBack && !name.endsWith('-old')) throw engineError(409, `Conflict. The container name "/${name}" is already in use`);
				find(idOrName)!.name = name;
			},
			remove: async () => {
				containers.delete(find(idOrName)!.id);
			},
			logs: async () => {
				throw new Error('no logs in the fake');
			},
		}),
	};
	const oldId = add('app', 'registry.test/acme/app:1.6.0', true);
	return { docker: docker as unknown as Docker, containers, oldId };
}

function planFor(oldId: string): Plan {
	const container: ContainerPlan = {
		key: 'app@1.7.0',
		name: 'app',
		parkedName: 'app-old',
		id: oldId,
		from: 'registry.test/acme/app:1.6.0',
		to: 'registry.test/acme/app:1.7.0',
		targetRef: 'registry.test/acme/app:1.7.0',
		oldImageId: 'sha256:old',
		inspect: { Name: '/app', Config: { Env: ['API_TOKEN=fake-secret-token'] } } as never,
		oldImage: {} as never,
		spec: { create: { name: 'app', Image: 'registry.test/acme/app:1.7.0' }, connectBeforeStart: [] },
		specDiff: [],
		stopTimeoutS: 1,
		health: { healthcheck: 'auto', stableMs: 0, timeoutMs: 2000 },
		profile: genericProfile,
		steps: [],
	};
	return {
		containers: [container],
		path: { repository: 'registry.test/acme/app', current: '1.6.0', hops: [{ tag: '1.7.0', version: '1.7.0', revision: 0, kind: 'minor' }], majorGate: false, releaseNotes: [], schemaVersions: {}, warnings: [] },
		hops: ['1.7.0'],
		keepOld: false,
		options: { healthTimeoutS: 2, stableS: 0, keepOld: false },
		engine: { endpoint: 'unix:///fake.sock', apiVersion: '1.41' },
	};
}

async function run(failures: { startNew?: boolean; renameBack?: boolean }) {
	const engine = fakeEngine(failures);
	const dir = mkdtempSync(join(tmpdir(), 'uw-exec-'));
	const redactor = new Redactor();
	redactor.addEnv(['API_TOKEN=fake-secret-token']);
	const journal = await Journal.create({ dir, runId: 'test-run', engine: 'unix:///fake.sock', argv: [], redactor });
	const events: TimedEvent[] = [];
	const executor = new Executor({
		docker: engine.docker,
		journal,
		audit: await AuditLog.open(dir, 'test-run', redactor),
		prompter: { name: '--yes', confirm: async () => true },
		redactor,
		authFor: async () => undefined,
		onEvent: (event) => events.push(event),
		replan: async () => {
			throw new Error('single hop');
		},
	});
	const summary = await executor.run(planFor(engine.oldId));
	return { summary, events, engine, journal };
}

describe('executor rollback', () => {
	it('puts the old container back under its name when the new one cannot start (exit 1)', async () => {
		const { summary, engine, journal } = await run({ startNew: true });
		expect(summary.exitCode).toBe(1);
		expect(summary.containers[0]).toMatchObject({ result: 'rolled-back' });
		expect(summary.containers[0]!.reason).toContain('port is already allocated');
		const left = [...engine.containers.values()];
		expect(left).toEqual([{ id: engine.oldId, name: 'app', image: 'registry.test/acme/app:1.6.0', running: true }]);
		expect(journal.container('app@1.7.0').actions.map((action) => `${action.kind}:${action.status}`)).toEqual([
			'stop-old:undone',
			'rename-old:undone',
			'create-new:undone',
			'start-new:undone',
		]);
	});

	it('when the rollback itself fails, says what is where and how to finish by hand (exit 3)', async () => {
		const { summary, events, engine, journal } = await run({ startNew: true, renameBack: true });
		expect(summary.exitCode).toBe(3);
		const container = summary.containers[0]!;
		expect(container.result).toBe('rollback-failed');
		expect(container.reason).toMatch(/rollback incomplete: rename app-old back to app: .*already in use/);
		expect(container.state).toEqual([`old container: app-old (${engine.oldId.slice(0, 12)}) image registry.test/acme/app:1.6.0, exited`, expect.stringMatching(/^new container: .* does not exist$/)]);
		expect(container.commands).toEqual(['docker rename app-old app', `docker start ${engine.oldId.slice(0, 12)}`]);
		expect(journal.doc.status).toBe('rollback-failed');
		const lines = summaryLines(summary).join('\n');
		expect(lines).toContain('ROLLBACK INCOMPLETE');
		expect(lines).toContain('to finish by hand:\n      docker rename app-old app');
		expect(JSON.stringify(events)).not.toContain('fake-secret-token');
	});
});
