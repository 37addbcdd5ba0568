import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { Executor } from '../../source/core/run/executor.js';
import { ContainerDriver } from '../../source/targets/container/driver.js';
import { databasePort } from '../../source/postgres/database-port.js';
import { Journal } from '../../source/core/journal/journal.js';
import { AuditLog } from '../../source/core/journal/audit-log.js';
import { Redactor } from '../../source/text/redact.js';
import type { DatabasePlan } from '../../source/core/plan/database.js';
import type { ContainerPlan } from '../../source/targets/container/plan.js';
import type { Plan } from '../../source/core/plan/plan.js';
import type { Prompter, TimedEvent } from '../../source/core/events.js';
import { genericProfile } from '../../source/profiles/profile.js';
import { tempDir } from './temp-dir.js';

// An in-memory engine for executor unit tests: enough of dockerode for one
// swap, with failures that no real engine produces on demand (a refused rename
// back). These tests come in addition to the real-engine integration tests.

export interface FakeContainer {
	id: string;
	name: string;
	image: string;
	running: boolean;
}

export interface FakeFailures {
	/** Starting a container of the target image fails (as a taken port does). */
	startNew?: boolean;
	/** Renaming the old container back to its plain name fails. */
	renameBack?: boolean;
	/** Creating a container of the target image fails (as an engine refusing the config does). */
	createNew?: boolean;
}

function engineError(statusCode: number, message: string) {
	return Object.assign(new Error(`(HTTP code ${statusCode}) - ${message}`), { statusCode, json: { message } });
}

export const TARGET = 'registry.test/acme/app:1.7.0';
export const CURRENT = 'registry.test/acme/app:1.6.0';
/** The fake engine's name, as a context would name it. */
export const FAKE_ENGINE = 'fake-ctx';

export function fakeEngine(failures: FakeFailures = {}) {
	const containers = new Map<string, FakeContainer>();
	let next = 1;
	let pulls = 0;
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
		pull: async () => {
			pulls++;
			return new PassThrough();
		},
		getEvents: async () => new PassThrough(),
		createContainer: async (options: { name: string; Image: string }) => {
			if (failures.createNew && options.Image === TARGET) throw engineError(400, 'invalid mount config for type "bind": bind source path does not exist');
			if (find(options.name)) throw engineError(409, `Conflict. The container name "/${options.name}" is already in use`);
			return { id: add(options.name, options.Image, false) };
		},
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
				if (failures.startNew && c.image === TARGET) throw engineError(500, 'driver failed programming external connectivity: port is already allocated');
				c.running = true;
			},
			rename: async ({ name }: { name: string }) => {
				const c = find(idOrName)!;
				if (failures.renameBack && c.image === CURRENT && !name.endsWith('-old')) throw engineError(409, `Conflict. The container name "/${name}" is already in use`);
				// As the engine does: a name another container holds is refused.
				if ([...containers.values()].some((other) => other !== c && other.name === name)) throw engineError(409, `Conflict. The container name "/${name}" is already in use`);
				c.name = name;
			},
			remove: async () => {
				containers.delete(find(idOrName)!.id);
			},
			logs: async () => {
				throw new Error('no logs in the fake');
			},
		}),
	};
	const oldId = add('app', CURRENT, true);
	return { docker: docker as unknown as Docker, containers, oldId, pulls: () => pulls };
}

/** One container, one hop (1.6.0 -> 1.7.0), built by hand: no engine needed to plan it. */
export function singleHopPlan(oldId: string, options: { env?: string[]; database?: DatabasePlan; staged?: boolean } = {}): Plan<ContainerPlan> {
	const container: ContainerPlan = {
		kind: 'container',
		key: 'app@1.7.0',
		name: 'app',
		engine: FAKE_ENGINE,
		parkedName: 'app-old',
		id: oldId,
		from: CURRENT,
		to: TARGET,
		targetRef: TARGET,
		oldImageId: 'sha256:old',
		inspect: { Name: '/app', Config: { Env: options.env ?? [] } } as never,
		oldImage: {} as never,
		spec: { create: { name: 'app', Image: TARGET }, connectBeforeStart: [] },
		specDiff: [],
		stopTimeoutS: 1,
		health: { healthcheck: 'auto', stableMs: 0, timeoutMs: 2000 },
		profile: genericProfile,
		dependents: [],
		steps: [],
		// Staged: created as app-uw-new before the stop (the planner's default); else after the park.
		...(options.staged ? { stagedName: 'app-uw-new' } : { lateCreate: 'it has the static address 10.0.0.5 on net' }),
	};
	return {
		units: [container],
		path: { repository: 'registry.test/acme/app', current: '1.6.0', hops: [{ tag: '1.7.0', version: '1.7.0', revision: 0, kind: 'minor' }], majorGate: false, releaseNotes: [], schemaVersions: {}, warnings: [] },
		hops: ['1.7.0'],
		keepOld: false,
		options: { healthTimeoutS: 2, stableS: 0, keepOld: false },
		engine: { name: FAKE_ENGINE, endpoint: 'unix:///fake.sock', apiVersion: '1.41' },
		...(options.database ? { database: options.database } : {}),
	};
}

/** Run the real executor on the fake engine with a real journal and audit log in a temp dir. */
export async function runOnFakeEngine(
	engine: ReturnType<typeof fakeEngine>,
	plan: Plan<ContainerPlan>,
	options: { prompter: Prompter; secrets?: string[]; replan?: (name: string, targetRef: string) => Promise<ContainerPlan> },
) {
	const dir = tempDir('uw-exec-');
	const redactor = new Redactor();
	for (const secret of options.secrets ?? []) redactor.add(secret);
	const journal = await Journal.create({ dir, runId: 'test-run', engine: 'unix:///fake.sock', argv: [], redactor });
	const events: TimedEvent[] = [];
	const driver = new ContainerDriver({
		docker: engine.docker,
		authFor: async () => undefined,
		replan:
			options.replan ??
			(async () => {
				throw new Error('single hop');
			}),
	});
	const executor = new Executor({
		drivers: { container: driver },
		database: databasePort(engine.docker),
		journal,
		audit: await AuditLog.open(dir, 'test-run', redactor),
		prompter: options.prompter,
		redactor,
		onEvent: (event) => events.push(event),
	});
	const summary = await executor.run(plan);
	return { summary, events, journal, dir };
}
