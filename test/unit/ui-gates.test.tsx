import React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup } from 'ink-testing-library';
import type { Gate, RunSummary } from '../../source/core/events.js';
import type { WizardBackend } from '../../source/core/wizard-backend.js';
import { createGateDesk } from '../../source/ui/gate-desk.js';
import { BACKSPACE, ENTER, ESC, MIGRATION_GATE, fakeBackend, press, startRun, tick, waitForFrame } from './ui-support.js';

// Whole flows through several screens: generous on a loaded machine.
vi.setConfig({ testTimeout: 20_000 });

// The executor's gates as the operator answers them: default no, yes only by
// a typed y then enter, one screen per gate. A gate not confirmed never lets
// the run go on.

const SKIP_BACKUP: Gate = {
	kind: 'skip-backup',
	title: 'Skip the database backup?',
	message: 'No backup will be taken of app-1 (db app on db:5432).',
	container: 'app-1',
};

interface GateRun {
	answers: boolean[];
	proceeded: string[];
	app: ReturnType<typeof render>;
	onExit: ReturnType<typeof vi.fn>;
}

/**
 * A run that asks `gates` in order, like the executor: each yes lets the step
 * after it happen (recorded in `proceeded`), the first no ends the run.
 */
async function runWithGates(gates: Gate[]): Promise<GateRun> {
	const answers: boolean[] = [];
	const proceeded: string[] = [];
	const run: WizardBackend['run'] = async (_containers, _tag, { prompter, onEvent }) => {
		onEvent({ type: 'run-started', runId: 'r', containers: ['app-1'], dryRun: false, at: Date.now() });
		for (const gate of [{ kind: 'confirm-plan', title: 'Run this plan?', message: 'Upgrade app-1' } as Gate, ...gates]) {
			const answer = await prompter.confirm(gate);
			answers.push(answer);
			onEvent({ type: 'gate', gate, answer, by: prompter.name, at: Date.now() });
			if (!answer) {
				const summary: RunSummary = { runId: 'r', exitCode: 2, containers: [{ container: 'app-1', from: '1.6.0', to: '1.7.0', result: 'not-attempted', reason: `${gate.title} no` }] };
				onEvent({ type: 'run-done', summary, at: Date.now() });
				return summary;
			}
			proceeded.push(`after ${gate.kind}`);
		}
		const summary: RunSummary = { runId: 'r', exitCode: 0, containers: [{ container: 'app-1', from: '1.6.0', to: '1.7.0', result: 'upgraded' }] };
		onEvent({ type: 'run-done', summary, at: Date.now() });
		return summary;
	};
	const app = await startRun(run);
	return { answers, proceeded, app, onExit: app.onExit };
}

afterEach(() => {
	cleanup();
});

describe('gates', () => {
	it('answers the plan gate itself: the plan screen was the confirmation', async () => {
		const { answers, app } = await runWithGates([]);
		await waitForFrame(app.lastFrame, 'Upgrade complete');
		expect(answers).toEqual([true]);
	});

	it('a skip-backup gate answered with enter alone is no, and the run does not go on', async () => {
		const { answers, proceeded, app } = await runWithGates([SKIP_BACKUP]);
		const frame = await waitForFrame(app.lastFrame, 'Skip the database backup?');
		expect(frame).toContain('Without a backup nothing can take a database migration back.');
		expect(frame).toContain('[y/N]');
		await tick();
		await press(app.stdin, ENTER);
		await waitForFrame(app.lastFrame, 'Nothing was changed.');
		expect(answers).toEqual([true, false]);
		expect(proceeded).toEqual(['after confirm-plan']);
	});

	it('enter alone does not acknowledge a migration; typing y then enter does', async () => {
		const refused = await runWithGates([MIGRATION_GATE]);
		let frame = await waitForFrame(refused.app.lastFrame, 'Acknowledge the schema migration?');
		expect(frame).toContain('only the backup can take it back');
		expect(frame).toContain('adds table audit_log');
		await tick();
		await press(refused.app.stdin, ENTER);
		await waitForFrame(refused.app.lastFrame, 'Nothing was changed.');
		expect(refused.answers).toEqual([true, false]);
		cleanup();

		const acknowledged = await runWithGates([MIGRATION_GATE]);
		await waitForFrame(acknowledged.app.lastFrame, 'Acknowledge the schema migration?');
		await tick();
		await press(acknowledged.app.stdin, 'y');
		frame = await waitForFrame(acknowledged.app.lastFrame, '[y/N] y');
		// Typing y alone has not answered yet.
		expect(acknowledged.answers).toEqual([true]);
		await press(acknowledged.app.stdin, ENTER);
		await waitForFrame(acknowledged.app.lastFrame, 'Upgrade complete');
		expect(acknowledged.answers).toEqual([true, true]);
		expect(acknowledged.proceeded).toContain('after migration');
	});

	it('reads y and enter typed back to back (a fast typist) as yes', async () => {
		const { answers, app } = await runWithGates([MIGRATION_GATE]);
		await waitForFrame(app.lastFrame, 'Acknowledge the schema migration?');
		await tick();
		// No time between the keys for effects to re-attach handlers.
		app.stdin.write('y');
		app.stdin.write('\r');
		await waitForFrame(app.lastFrame, 'Upgrade complete');
		expect(answers).toEqual([true, true]);
	});

	it('reads y and enter arriving in one chunk (a paste, tmux send-keys y Enter, a slow link) as y then enter', async () => {
		const { answers, app } = await runWithGates([MIGRATION_GATE]);
		await waitForFrame(app.lastFrame, 'Acknowledge the schema migration?');
		await tick();
		app.stdin.write('y\r');
		await waitForFrame(app.lastFrame, 'Upgrade complete');
		expect(answers).toEqual([true, true]);
	});

	it('in a chunk, as typed one by one, the last y or n is the answer: "yn\r" is no', async () => {
		const { answers, app } = await runWithGates([MIGRATION_GATE]);
		await waitForFrame(app.lastFrame, 'Acknowledge the schema migration?');
		await tick();
		app.stdin.write('yn\r');
		await vi.waitFor(() => expect(answers).toEqual([true, false]), { timeout: 5_000 });
	});

	it('asks each migration on its own screen, starting from no every time', async () => {
		const second: Gate = { ...MIGRATION_GATE, title: 'Acknowledge the second migration (1.7 -> 1.8)?' };
		const { answers, app } = await runWithGates([MIGRATION_GATE, second]);
		await waitForFrame(app.lastFrame, 'Acknowledge the schema migration?');
		await tick();
		await press(app.stdin, 'y', ENTER);
		const frame = await waitForFrame(app.lastFrame, 'Acknowledge the second migration');
		expect(frame).toMatch(/\[y\/N\] ▏/);
		await tick();
		await press(app.stdin, ENTER);
		await waitForFrame(app.lastFrame, 'Nothing was changed.');
		expect(answers).toEqual([true, true, false]);
	});

	it('n, esc, other keys and a y taken back all mean no', async () => {
		for (const keys of [['n', ENTER], [ESC], ['x', ENTER], ['y', BACKSPACE, ENTER]]) {
			const { answers, app } = await runWithGates([{ ...MIGRATION_GATE, kind: 'major-upgrade', title: 'Upgrade to a new major version?' }]);
			await waitForFrame(app.lastFrame, 'Upgrade to a new major version?');
			await tick();
			await press(app.stdin, ...keys.slice(0, -1));
			if (keys[0] === 'x') expect(app.lastFrame()).toContain('Only y or n');
			await press(app.stdin, keys.at(-1)!);
			await waitForFrame(app.lastFrame, 'Nothing was changed.');
			expect(answers).toEqual([true, false]);
			cleanup();
		}
	});

	it('asks a gate of a kind it does not know the same way', async () => {
		const unknown = { kind: 'disk-space', title: 'Continue with little disk space left?', message: '2 GB free, 1.8 GB needed.' } as unknown as Gate;
		const { answers, app } = await runWithGates([unknown]);
		await waitForFrame(app.lastFrame, 'Continue with little disk space left?');
		await tick();
		await press(app.stdin, 'y', ENTER);
		await waitForFrame(app.lastFrame, 'Upgrade complete');
		expect(answers).toEqual([true, true]);
	});

	it('shows help on a gate without answering it', async () => {
		const { answers, app } = await runWithGates([MIGRATION_GATE]);
		await waitForFrame(app.lastFrame, 'Acknowledge the schema migration?');
		await tick();
		await press(app.stdin, '?');
		await waitForFrame(app.lastFrame, 'no (the default): stop here');
		await press(app.stdin, 'x');
		await waitForFrame(app.lastFrame, 'Acknowledge the schema migration?');
		expect(answers).toEqual([true]);
	});
});

describe('gate desk', () => {
	it('queues gates one at a time and refuses everything after an abort', async () => {
		const desk = createGateDesk();
		const first = desk.prompter.confirm(MIGRATION_GATE);
		const second = desk.prompter.confirm(SKIP_BACKUP);
		const shown = desk.getSnapshot();
		expect(shown?.gate).toBe(MIGRATION_GATE);
		// A stable snapshot: useSyncExternalStore must see the same object.
		expect(desk.getSnapshot()).toBe(shown);
		desk.answer(shown!.id, true);
		await expect(first).resolves.toBe(true);
		expect(desk.getSnapshot()?.gate).toBe(SKIP_BACKUP);
		desk.refuseAll();
		await expect(second).resolves.toBe(false);
		await expect(desk.prompter.confirm(MIGRATION_GATE)).resolves.toBe(false);
		await expect(desk.prompter.confirm({ kind: 'confirm-plan', title: 't', message: 'm' })).resolves.toBe(false);
		expect(desk.prompter.name).toBe('operator');
	});
});
