import { describe, expect, it } from 'vitest';
import { fakeEngine, runOnFakeEngine, singleHopPlan, TARGET, type FakeFailures } from '../support/fake-engine.js';
import { summaryLines } from '../../source/reporters/human.js';

// The executor's rollback paths on an in-memory engine, so that failures no
// real engine produces on demand (a rename back that is refused) can be forced.
// The same paths run against the real engine in test/integration.

async function run(failures: FakeFailures) {
	const engine = fakeEngine(failures);
	const plan = singleHopPlan(engine.oldId, { env: ['API_TOKEN=fake-secret-token'] });
	const result = await runOnFakeEngine(engine, plan, { prompter: { name: '--yes', confirm: async () => true }, secrets: ['fake-secret-token'] });
	return { ...result, engine };
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

describe('a multi-hop run that fails in a later hop', () => {
	it('says in a field which version each container is on now, and in the summary line', async () => {
		const engine = fakeEngine({ startNew: true });
		const plan = singleHopPlan(engine.oldId);
		const FIRST = 'registry.test/acme/app:1.6.1';
		// Hop 1 goes to 1.6.1 (starts fine), hop 2 to 1.7.0 (its start fails in the fake).
		const unit = plan.units[0]!;
		Object.assign(unit, { key: 'app@1.6.1', to: FIRST, targetRef: FIRST, spec: { create: { name: 'app', Image: FIRST }, connectBeforeStart: [] } });
		plan.hops = ['1.6.1', '1.7.0'];
		plan.path.hops = [{ tag: '1.6.1', version: '1.6.1', revision: 0, kind: 'patch' }, { tag: '1.7.0', version: '1.7.0', revision: 0, kind: 'minor' }];
		const { summary } = await runOnFakeEngine(engine, plan, {
			prompter: { name: '--yes', confirm: async () => true },
			replan: async (name, targetRef) => {
				const running = [...engine.containers.values()].find((container) => container.name === name)!;
				return { ...unit, key: `${name}@1.7.0`, id: running.id, from: FIRST, to: targetRef, targetRef, spec: { create: { name, Image: targetRef }, connectBeforeStart: [] } };
			},
		});
		expect(summary.exitCode).toBe(1);
		expect(summary.containers[0]).toMatchObject({ result: 'rolled-back', from: 'registry.test/acme/app:1.6.0', to: TARGET, now: FIRST });
		expect(summaryLines(summary).join('\n')).toContain(`rolled back (now on ${FIRST})`);
	});
});

describe('the summary of a multi-hop run', () => {
	it('lists every backup with the version it restores', () => {
		const lines = summaryLines({
			runId: 'r',
			exitCode: 0,
			containers: [
				{
					container: 'app',
					from: 'acme/app:1.6.0',
					to: 'acme/app:1.8.0',
					result: 'upgraded',
					backup: { path: '/b/app-1.7.2-to-1.8.0.dump', sha256: 'bbb', sizeBytes: 2 },
					backups: [
						{ path: '/b/app-1.6.0-to-1.7.2.dump', sha256: 'aaa', sizeBytes: 1, returnsTo: '1.6.0' },
						{ path: '/b/app-1.7.2-to-1.8.0.dump', sha256: 'bbb', sizeBytes: 2, returnsTo: '1.7.2' },
					],
				},
			],
		}).join('\n');
		expect(lines).toContain('    backup (restores 1.6.0): /b/app-1.6.0-to-1.7.2.dump (sha256 aaa)');
		expect(lines).toContain('    backup (restores 1.7.2): /b/app-1.7.2-to-1.8.0.dump (sha256 bbb)');
	});
});
