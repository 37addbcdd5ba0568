import { describe, expect, it } from 'vitest';
import { Journal } from '../../source/core/journal/journal.js';
import { AuditLog } from '../../source/core/journal/audit-log.js';
import { RunContext } from '../../source/core/run/context.js';
import { planRecovery } from '../../source/core/run/recovery.js';
import { ContainerDriver } from '../../source/targets/container/driver.js';
import { databasePort } from '../../source/postgres/database-port.js';
import { Redactor } from '../../source/text/redact.js';
import { fakeEngine } from '../support/fake-engine.js';
import { tempDir } from '../support/temp-dir.js';

// What recover will do, read from a journal alone (the Recovery screen and
// --dry-run show it before anything is touched). The real thing runs in
// test/integration/crash-recover.test.ts.

async function journalWith(hop: { migrates: boolean; status?: 'running' | 'committing' }, actions: Array<[string, Record<string, string>, 'intent' | 'done', boolean?]>, backup = false) {
	const dir = tempDir('uw-recplan-');
	const redactor = new Redactor();
	const journal = await Journal.create({ dir, runId: 'r1', engine: 'unix:///x.sock', argv: [], redactor });
	await journal.setPlan({ repository: 'r/app', hops: ['1.7.0'], keepOld: false, engine: { endpoint: 'unix:///x.sock', apiVersion: '1.41' }, units: [{ kind: 'container', name: 'app' }], database: { envKeys: ['DATABASE_URL'], display: 'postgres://app@db/app' } });
	await journal.startHop('1.7.0', 0, hop.migrates);
	if (hop.status) await journal.setHop('1.7.0', hop.status);
	await journal.addUnit({ kind: 'container', key: 'app@1.7.0', name: 'app', hop: '1.7.0', from: 'r/app:1.6.0', to: 'r/app:1.7.0', targetRef: 'r/app:1.7.0', holds: ['app', 'app-old'], parkedName: 'app-old', oldId: 'old1' });
	if (backup) await journal.recordBackup({ hop: '1.7.0', database: 'postgres://app@db/app', path: '/b/app.dump', sizeBytes: 1, sha256: 'x', serverVersion: '15', tables: [] });
	for (const [kind, undo, status, startsTarget] of actions) {
		const action = await journal.intend('app@1.7.0', { kind, intent: kind, undo: undo as never, startsTarget });
		await journal.settle(action, status);
	}
	const engine = fakeEngine();
	const driver = new ContainerDriver({ docker: engine.docker, authFor: async () => undefined, replan: async () => { throw new Error('no'); } });
	return new RunContext({ drivers: { container: driver }, database: databasePort(engine.docker), journal, audit: await AuditLog.open(dir, 'r1', redactor), prompter: { name: '--yes', confirm: async () => true }, redactor, onEvent: () => undefined });
}

const STOP = ['stop-old', { kind: 'start-container', containerId: 'old1' }] as const;
const PARK = ['rename-old', { kind: 'rename-container', containerId: 'old1', to: 'app' }] as const;
const CREATE = ['create-new', { kind: 'remove-container', name: 'app', image: 'r/app:1.7.0', keep: 'old1', containerId: 'new1' }] as const;

describe('planRecovery', () => {
	it('a hop killed after the start: detach newest first, then revive, then a health check', async () => {
		const ctx = await journalWith({ migrates: false }, [[...STOP, 'done'], [...PARK, 'done'], [...CREATE, 'done'], ['start-new', CREATE[1], 'intent', true]]);
		const plan = planRecovery(ctx);
		expect(plan.action).toBe('roll-back');
		expect(plan.steps).toEqual(['remove the new app', 'rename app-old back to app', 'start the old app', 'check that app is healthy']);
		expect(plan.restoreFrom).toBeUndefined();
	});

	it('a migrating start had begun: the database is restored between detach and revive', async () => {
		const ctx = await journalWith({ migrates: true }, [[...STOP, 'done'], [...PARK, 'done'], [...CREATE, 'done'], ['start-new', CREATE[1], 'done', true]], true);
		const plan = planRecovery(ctx);
		expect(plan.steps).toEqual(['remove the new app', 'rename app-old back to app', 'restore the database postgres://app@db/app from /b/app.dump, row counts checked', 'start the old app', 'check that app is healthy']);
		expect(plan.restoreFrom).toBe('/b/app.dump');
	});

	it('no start yet: nothing to restore even when the hop migrates', async () => {
		const ctx = await journalWith({ migrates: true }, [[...STOP, 'done'], [...PARK, 'intent']], true);
		const plan = planRecovery(ctx);
		expect(plan.restoreFrom).toBeUndefined();
		expect(plan.steps).toEqual(['rename app-old back to app', 'start the old app', 'check that app is healthy']);
	});

	it('a hop that had committed is finished, not rolled back', async () => {
		const ctx = await journalWith({ migrates: false, status: 'committing' }, [[...STOP, 'done'], [...PARK, 'done'], [...CREATE, 'done'], ['start-new', CREATE[1], 'done', true]]);
		const plan = planRecovery(ctx);
		expect(plan.action).toBe('finish-commit');
		expect(plan.steps).toEqual(['remove app-old (old1)']);
	});
});
