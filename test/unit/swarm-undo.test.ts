import { describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { undoService, phaseOfSwarmUndo, swarmHandCommand } from '../../source/targets/swarm/undo.js';
import { SwarmServiceDriver } from '../../source/targets/swarm/driver.js';
import { TransitionFailure } from '../../source/core/ports.js';
import type { SwarmServiceRecord, SwarmServiceUnit } from '../../source/targets/swarm/unit.js';

// The swarm-service undo and the follower's verdicts against a fake engine
// (the real swarm is in test/integration/swarm-service.test.ts): the undo is
// idempotent, follows an update under way before it acts, and picks the
// engine's rollback only when the previous spec is the one we replaced.

const OLD = 'r/app:1.6.0@sha256:old';
const NEW = 'r/app:1.6.1@sha256:new';

interface FakeService {
	image: string;
	previous?: string;
	/** UpdateStatus.State per inspect, the last one repeating. */
	states: string[];
	startedAt?: string;
	message?: string;
}

function fakeEngine(service: FakeService) {
	const calls: Array<{ query: Record<string, unknown>; image?: string }> = [];
	let looks = 0;
	const docker = {
		getService: () => ({
			inspect: async () => {
				const state = service.states[Math.min(looks++, service.states.length - 1)];
				return {
					Version: { Index: 10 + calls.length },
					Spec: { Name: 'svc', TaskTemplate: { ContainerSpec: { Image: service.image } }, Mode: { Replicated: { Replicas: 1 } } },
					...(service.previous ? { PreviousSpec: { TaskTemplate: { ContainerSpec: { Image: service.previous } } } } : {}),
					...(state ? { UpdateStatus: { State: state, StartedAt: service.startedAt ?? new Date(Date.now() + 5000).toISOString(), Message: service.message ?? '' } } : {}),
				};
			},
			update: async (_auth: unknown, options: { _query: Record<string, unknown>; _body: { TaskTemplate: { ContainerSpec: { Image: string } } } }) => {
				calls.push({ query: options._query, image: options._body.TaskTemplate.ContainerSpec.Image });
				if (options._query.rollback === 'previous') [service.image, service.previous] = [service.previous!, service.image];
				else [service.previous, service.image] = [service.image, options._body.TaskTemplate.ContainerSpec.Image];
				service.states = ['completed'];
				looks = 0;
			},
		}),
		listTasks: async () => [{ ID: 't1', Spec: { ContainerSpec: { Image: service.image } }, Status: { State: 'running' }, DesiredState: 'running' }],
		getContainer: () => ({ inspect: async () => ({ State: {} }) }),
	};
	return { docker: docker as unknown as Docker, calls, service };
}

const record = { kind: 'swarm-service', key: 'svc@1.6.1', name: 'svc', hop: '1.6.1', holds: [], from: 'r/app:1.6.0', to: 'r/app:1.6.1', targetRef: 'r/app:1.6.1', serviceId: 'sid', service: 'svc', oldImage: OLD, pinned: NEW, monitorNs: 5e9, followMs: 5_000, phase: 'swapping', actions: [] } as unknown as SwarmServiceRecord;
const undo = { kind: 'service-rollback', service: 'svc' };

describe('the swarm-service undo', () => {
	it('does nothing when the spec names the old image already (the engine rolled back, or the update never applied)', async () => {
		const engine = fakeEngine({ image: OLD, previous: NEW, states: ['rollback_completed'] });
		await undoService(engine.docker, record, undo);
		expect(engine.calls).toEqual([]);
	});

	it("uses the engine's rollback when the previous spec is the one we replaced, after the update under way has ended", async () => {
		const engine = fakeEngine({ image: NEW, previous: OLD, states: ['updating', 'updating', 'completed'] });
		await undoService(engine.docker, record, undo);
		expect(engine.calls.map((call) => call.query.rollback)).toEqual(['previous']);
		expect(engine.service.image).toBe(OLD);
		// Twice: the second finds the old image and sends nothing.
		await undoService(engine.docker, record, undo);
		expect(engine.calls).toHaveLength(1);
	});

	it('puts the old image back into the spec when a later update replaced ours', async () => {
		const engine = fakeEngine({ image: 'r/app:1.7.0@sha256:later', previous: NEW, states: ['completed'] });
		await undoService(engine.docker, record, undo);
		expect(engine.calls).toEqual([{ query: { version: 10 }, image: OLD }]);
	});

	it('refuses to act while the engine is still changing the service after the follow window', async () => {
		const engine = fakeEngine({ image: NEW, previous: OLD, states: ['updating'] });
		await expect(undoService(engine.docker, { ...record, followMs: 600 }, undo)).rejects.toThrow(/still being changed by the engine/);
		expect(engine.calls).toEqual([]);
	});

	it('runs before a database restore (detach) and is typed by hand as a service update', () => {
		expect(phaseOfSwarmUndo(undo)).toBe('detach');
		expect(swarmHandCommand(record, undo)).toBe(`docker service update --with-registry-auth --image ${OLD} svc`);
	});
});

describe('following the update', () => {
	const unit = { ...record, kind: 'swarm-service', replicas: 1, engine: 'e' } as unknown as SwarmServiceUnit;
	const follow = async (service: FakeService) => {
		const engine = fakeEngine(service);
		const driver = new SwarmServiceDriver({ docker: engine.docker, authFor: async () => undefined, replan: async (u) => u });
		const [, gate] = driver.swap(unit);
		const events: unknown[] = [];
		const ctx = { emit: (event: unknown) => events.push(event), record: async () => undefined, recordBackup: async () => undefined };
		return { run: gate!.run(ctx as never), events };
	};

	it('completed with every task on the new image passes', async () => {
		const { run } = await follow({ image: NEW, states: ['completed'] });
		await expect(run).resolves.toContain('the engine reports the update completed');
	});

	it('a paused update fails the gate, so the wizard rolls it back', async () => {
		const { run } = await follow({ image: NEW, states: ['paused'], message: 'update paused due to failure' });
		await expect(run).rejects.toThrow(TransitionFailure);
		await expect(run).rejects.toThrow(/paused the update of svc \(update paused due to failure\); the wizard rolls it back/);
	});

	it("the engine's own rollback fails the gate with its message", async () => {
		const { run } = await follow({ image: OLD, states: ['rollback_started', 'rollback_completed'], message: 'rollback completed' });
		await expect(run).rejects.toThrow(/the engine rolled service svc back to r\/app:1\.6\.0@sha256:old: rollback completed/);
	});

	it('an update that does not end within the follow window fails the gate', async () => {
		const { run } = await follow({ image: NEW, states: ['updating'] });
		await expect(run).rejects.toThrow(/did not complete within 5 s; the wizard rolls it back/);
	}, 15_000);
});
