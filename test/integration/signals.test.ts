import { afterAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { world } from '../support/world.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { docker, inspect, removeByLabel, uniqueName } from '../support/docker.js';
import { startApp } from '../support/app.js';
import { expectOriginalBack as sharedOriginalBack } from '../support/original-back.js';
import { newStateHome, signalWhen, type WizardEvent } from '../support/wizard.js';

// SIGINT, SIGTERM and SIGHUP mean "abort: roll back at the next safe point",
// in --yes and --json alike. An abort before the new container starts brings
// the old one back without creating or starting the new one; an abort during a
// pull cancels it; a second signal is answered truthfully.

const w = world();
const id = uniqueName('sig');
const caseLabel = `io.upgrade-wizard.case=${id}`;
const databases: TestDatabase[] = [];

async function signalled(args: string[], signal: NodeJS.Signals, match: (event: WizardEvent) => boolean, options: { second?: NodeJS.Signals } = {}) {
	const stateHome = newStateHome();
	const run = await signalWhen(args, signal, match, { ...options, stateHome, timeoutMs: 180_000 });
	expect(run.sent, JSON.stringify(run.events.slice(-5))).toBe(true);
	const runs = join(stateHome, 'upgrade-wizard', 'runs');
	const journal = JSON.parse(readFileSync(join(runs, readdirSync(runs).find((file) => file.endsWith('.json'))!), 'utf8'));
	return { exitCode: run.exitCode, events: run.events, stderr: run.stderr, journal };
}

async function app(suffix: string) {
	const db = await createTestDatabase(w);
	databases.push(db);
	const name = `${id}-${suffix}`;
	return { name, originalId: await startApp(w, { name, tag: '1.6.0', db, caseLabel }) };
}

/** The original back, on the app's 1.6.0. */
function expectOriginalBack(name: string, originalId: string) {
	return sharedOriginalBack(name, originalId, `${w.appRepo}:1.6.0`);
}

const actionsOf = (journal: any) => Object.values(journal.containers).flatMap((record: any) => record.actions.map((action: any) => `${action.kind}:${action.status}`));

afterAll(async () => {
	await removeByLabel(caseLabel);
	for (const db of databases) await db.drop();
});

describe('signals abort and roll back', () => {
	it('SIGTERM during the stop: the old container comes back, the new one created before the stop is removed and never started', async () => {
		const { name, originalId } = await app('term');
		const run = await signalled(['--yes', '--container', name, '--to', '1.6.1'], 'SIGTERM', (event) => event.type === 'step-started' && event.step === 'stop');
		expect(run.exitCode, run.stderr).toBe(1);
		expect(run.events).toContainEqual(expect.objectContaining({ type: 'abort', reason: 'SIGTERM' }));
		expect(actionsOf(run.journal)).toEqual(['create-new:undone', 'stop-old:undone']);
		expect(run.events.some((event) => event.type === 'step-started' && event.step === 'start')).toBe(false);
		expect(run.journal.status).toBe('rolled-back');
		await expectOriginalBack(name, originalId);
	});

	it('SIGHUP (the terminal went away) after the park: rolled back to the end, and the journal says so', async () => {
		const { name, originalId } = await app('hup');
		const run = await signalled(['--yes', '--container', name, '--to', '1.6.1'], 'SIGHUP', (event) => event.type === 'step-done' && event.step === 'rename');
		expect(run.exitCode, run.stderr).toBe(1);
		// The staged create came before the stop; whatever ran before the abort was seen is undone.
		const actions = actionsOf(run.journal);
		expect(actions.slice(0, 3)).toEqual(['create-new:undone', 'stop-old:undone', 'rename-old:undone']);
		expect(actions.every((action) => action.endsWith(':undone')), actions.join()).toBe(true);
		expect(run.journal.status).toBe('rolled-back');
		await expectOriginalBack(name, originalId);
	});

	it('SIGINT during the pull cancels it: nothing stops', async () => {
		const { name, originalId } = await app('int');
		// A tag not pulled before, so the pull has work to do when the signal lands.
		await docker(['rmi', `${w.appRepo}:1.7.2`], { reject: true }).catch(() => undefined);
		const run = await signalled(['--yes', '--container', name, '--to', '1.7.2', '--skip-backup'], 'SIGINT', (event) => event.type === 'step-started' && event.step === 'pull');
		expect(run.exitCode, run.stderr).toBe(1);
		expect(actionsOf(run.journal)).toEqual([]);
		expect(JSON.stringify(run.events)).toMatch(/pull of \S+ cancelled: aborted by the operator|aborted by the operator/);
		const after = await inspect(name);
		expect(after.Id).toBe(originalId);
		expect(after.State.Running).toBe(true);
	});

	it('a second signal before the rollback began is not answered with "already rolling back"', async () => {
		const { name, originalId } = await app('twice');
		const run = await signalled(['--yes', '--container', name, '--to', '1.6.1'], 'SIGTERM', (event) => event.type === 'step-started' && event.step === 'stop', { second: 'SIGTERM' });
		expect(run.exitCode, run.stderr).toBe(1);
		expect(run.stderr).toMatch(/abort already requested|already rolling back/);
		expect(run.stderr.match(/SIGTERM: abort requested/g)).toHaveLength(1);
		await expectOriginalBack(name, originalId);
	});
});
