import { describe, expect, it } from 'vitest';
import { fakeEngine, runOnFakeEngine, singleHopPlan, CURRENT, TARGET, type FakeFailures } from '../support/fake-engine.js';
import { lateCreateReason, stagedNameOf, stagedSpec } from '../../source/targets/container/staging.js';
import type { RecreateSpec } from '../../source/targets/container/recreate-spec.js';

// The new container created before the stop (as <name>-uw-new) and renamed
// after the park: the order of the journal, the rollbacks from every point,
// and which specs must wait for the stop. The same swap runs against the real
// engine in test/integration (crash-recover, upgrade-rollback, upgrade-fidelity).

async function run(failures: FakeFailures) {
	const engine = fakeEngine(failures);
	const plan = singleHopPlan(engine.oldId, { staged: true });
	const result = await runOnFakeEngine(engine, plan, { prompter: { name: '--yes', confirm: async () => true } });
	const actions = result.journal.container('app@1.7.0').actions.map((action) => `${action.kind}:${action.status}`);
	return { ...result, engine, actions };
}

describe('a staged create', () => {
	it('creates the new container before the stop, renames it after the park, and keeps the stop-to-start window free of the create', async () => {
		const { summary, engine, actions, events } = await run({});
		expect(summary.exitCode).toBe(0);
		expect(actions).toEqual(['create-new:done', 'stop-old:done', 'rename-old:done', 'rename-new:done', 'start-new:done', 'healthy:done', 'remove-old:done']);
		const left = [...engine.containers.values()];
		expect(left).toEqual([expect.objectContaining({ name: 'app', image: TARGET, running: true })]);
		// One rename step on screen, announced with both renames.
		const steps = events.filter((event) => event.type === 'step-started').map((event) => (event as { step: string }).step);
		expect(steps).toEqual(['pull', 'create', 'stop', 'rename', 'start', 'health', 'remove-old']);
		const rename = events.find((event) => event.type === 'step-started' && event.step === 'rename') as { detail?: string };
		expect(rename.detail).toBe('rename app to app-old, then app-uw-new to app');
		expect(events.filter((event) => event.type === 'step-done' && event.step === 'rename')).toHaveLength(1);
	});

	it('a start that fails rolls back newest first: the new container goes before the old name is taken back', async () => {
		const { summary, engine, actions, events } = await run({ startNew: true });
		expect(summary.exitCode).toBe(1);
		expect(summary.containers[0]).toMatchObject({ result: 'rolled-back' });
		expect([...engine.containers.values()]).toEqual([{ id: engine.oldId, name: 'app', image: CURRENT, running: true }]);
		expect(actions).toEqual(['create-new:undone', 'stop-old:undone', 'rename-old:undone', 'rename-new:undone', 'start-new:undone']);
		const undone = events.filter((event) => event.type === 'rollback-step').map((event) => (event as { action: string }).action);
		// The three undos that remove the new container are one step.
		expect(undone).toEqual(['remove the new app', 'rename app-old back to app', 'start the old app']);
	});

	it('a create the engine refuses fails before anything stops: the old container was never stopped', async () => {
		const { summary, engine, actions, events } = await run({ createNew: true });
		expect(summary.exitCode).toBe(1);
		expect(summary.containers[0]!.reason).toContain('bind source path does not exist');
		expect([...engine.containers.values()]).toEqual([{ id: engine.oldId, name: 'app', image: CURRENT, running: true }]);
		expect(actions).toEqual(['create-new:undone']);
		expect(events.some((event) => event.type === 'step-started' && event.step === 'stop')).toBe(false);
	});

	it('a rename back that is refused leaves the hand-over in the order that works', async () => {
		const { summary, engine } = await run({ startNew: true, renameBack: true });
		expect(summary.exitCode).toBe(3);
		expect(summary.containers[0]!.commands).toEqual(['docker rename app-old app', `docker start ${engine.oldId.slice(0, 12)}`]);
	});
});

describe('which specs wait for the stop', () => {
	const spec = (create: Partial<RecreateSpec['create']>, connectBeforeStart: RecreateSpec['connectBeforeStart'] = []): RecreateSpec => ({
		create: { name: 'app', Image: TARGET, ...create },
		connectBeforeStart,
	});

	it('stages a container without pinned addresses, under <name>-uw-new, changing nothing but the name', () => {
		const plain = spec({ NetworkingConfig: { EndpointsConfig: { front: { Aliases: ['web'] } } } }, [{ network: 'back', endpoint: { Aliases: ['api'] } }]);
		expect(lateCreateReason(plain)).toBeUndefined();
		expect(stagedNameOf('app')).toBe('app-uw-new');
		expect(stagedSpec(plain, 'app-uw-new')).toEqual({ ...plain, create: { ...plain.create, name: 'app-uw-new' } });
		expect(plain.create.name).toBe('app');
	});

	it('creates after the stop a container with a static IPv4 or IPv6 address, on its first network or a later one', () => {
		expect(lateCreateReason(spec({ NetworkingConfig: { EndpointsConfig: { front: { IPAMConfig: { IPv4Address: '172.31.9.10' } } } } }))).toBe(
			'it has the static address 172.31.9.10 on front',
		);
		expect(lateCreateReason(spec({}, [{ network: 'back', endpoint: { IPAMConfig: { IPv6Address: 'fd00::10' } } }]))).toBe('it has the static address fd00::10 on back');
	});

	it('creates after the stop a container with a static MAC address, per endpoint or on the config', () => {
		expect(lateCreateReason(spec({ NetworkingConfig: { EndpointsConfig: { front: { MacAddress: '02:42:ac:11:00:09' } } } }))).toBe(
			'it has the static MAC address 02:42:ac:11:00:09 on front',
		);
		expect(lateCreateReason(spec({ MacAddress: '02:42:ac:11:00:09' } as never))).toBe('it has the static MAC address 02:42:ac:11:00:09');
	});
});
