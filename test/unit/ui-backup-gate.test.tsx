import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup } from 'ink-testing-library';
import type { ChoiceGate, Gate, GateAnswer, RunSummary } from '../../source/core/events.js';
import type { WizardBackend } from '../../source/core/wizard-backend.js';
import { createGateDesk } from '../../source/ui/gate-desk.js';
import { BACKSPACE, ENTER, ESC, press, startRun, tick, waitForFrame } from './ui-support.js';

vi.setConfig({ testTimeout: 20_000 });

// Screen 5, the backup confirmation: y then enter backs up, enter alone never
// does; d types another directory, which the executor checks and asks again
// about; s goes to the skip question, which defaults to no.

function backupGate(dir: string, problem?: string): ChoiceGate {
	return {
		kind: 'backup',
		title: 'Back up the database',
		message: problem ? `${problem}; the backup still goes to ${dir}` : 'A pg_dump of postgres://app@db.local/app is taken and verified before anything stops',
		details: [
			'database: postgres://app@db.local/app (server 16.4)',
			'size estimate: 12.0 MB (the dump is usually smaller: it is compressed)',
			`destination: ${dir} (40.0 GB free)`,
			'dumped by: /usr/bin/pg_dump',
			'the dump runs while the app is up, right before the first stop',
		],
		choices: [
			{ choice: 'confirm', label: `back up to ${dir}` },
			{ choice: 'destination', label: 'back up to another directory', input: 'path' },
			{ choice: 'skip', label: 'upgrade without a backup (asks again to be sure)' },
		],
		container: 'app-1',
	};
}

const SKIP: Gate = {
	kind: 'skip-backup',
	title: 'Upgrade without a backup?',
	message: 'No backup of the database will be taken. If the new version migrates the schema and fails, there is no way back.',
};

/** The executor's backup gate loop in small: what each answer leads to is recorded. */
async function runBackupGate() {
	const answers: GateAnswer[] = [];
	const skips: boolean[] = [];
	const shown: ChoiceGate[] = [];
	let outcome = '';
	const run: WizardBackend['run'] = async (_containers, _tag, { prompter, onEvent }) => {
		const end = (exitCode: number, what: string): RunSummary => {
			outcome = what;
			const summary: RunSummary = {
				runId: 'r',
				exitCode,
				containers: [{ container: 'app-1', from: '1.6.0', to: '1.7.0', result: exitCode === 0 ? 'upgraded' : 'not-attempted', reason: what }],
			};
			onEvent({ type: 'run-done', summary, at: Date.now() });
			return summary;
		};
		onEvent({ type: 'run-started', runId: 'r', containers: ['app-1'], dryRun: false, at: Date.now() });
		await prompter.confirm({ kind: 'confirm-plan', title: 'Run this plan?', message: 'Upgrade app-1' });
		let dir = '/var/lib/upgrade-wizard/backups';
		for (let round = 0; round < 5; round++) {
			const gate = backupGate(dir);
			shown.push(gate);
			const answer = await prompter.choose!(gate);
			answers.push(answer);
			onEvent({ type: 'gate', gate, answer: answer.choice === 'confirm', by: prompter.name, choice: answer.choice, value: answer.value, at: Date.now() });
			if (answer.choice === 'confirm') return end(0, `backed up to ${dir}`);
			if (answer.choice === 'destination') dir = answer.value!;
			else if (answer.choice === 'skip') {
				const yes = await prompter.confirm(SKIP);
				skips.push(yes);
				if (yes) return end(0, 'no backup');
			} else return end(2, 'backup not confirmed');
		}
		return end(2, 'too many rounds');
	};
	const app = await startRun(run);
	await waitForFrame(app.lastFrame, 'Back up the database');
	await tick();
	return { app, answers, skips, shown, outcome: () => outcome };
}

afterEach(() => {
	cleanup();
});

describe('backup confirmation (screen 5)', () => {
	it('shows the database, size, destination and the three choices, and backs up on y then enter', async () => {
		const { app, answers, outcome } = await runBackupGate();
		const frame = app.lastFrame()!;
		for (const text of ['postgres://app@db.local/app (server 16.4)', 'size estimate: 12.0 MB', 'destination: /var/lib/upgrade-wizard/backups (40.0 GB free)', 'back up to another directory', 'upgrade without a backup', '[y/N]']) {
			expect(frame).toContain(text);
		}
		await press(app.stdin, 'y');
		await waitForFrame(app.lastFrame, '[y/N] y');
		expect(answers).toEqual([]);
		await press(app.stdin, ENTER);
		await waitForFrame(app.lastFrame, 'Upgrade complete');
		expect(answers).toEqual([{ choice: 'confirm' }]);
		expect(outcome()).toBe('backed up to /var/lib/upgrade-wizard/backups');
	});

	it('enter alone does not back up: it declines, and the run ends with nothing changed', async () => {
		const { app, answers } = await runBackupGate();
		await press(app.stdin, ENTER);
		await waitForFrame(app.lastFrame, 'Nothing was changed.');
		expect(answers).toEqual([{ choice: 'no' }]);
	});

	it('a y taken back, n, or esc decline too', async () => {
		for (const keys of [['y', BACKSPACE, ENTER], ['n', ENTER], [ESC]]) {
			const { app, answers } = await runBackupGate();
			await press(app.stdin, ...keys);
			await waitForFrame(app.lastFrame, 'Nothing was changed.');
			expect(answers).toEqual([{ choice: 'no' }]);
			cleanup();
		}
	});

	it('d types another directory; the gate is asked again with it', async () => {
		const { app, answers, shown } = await runBackupGate();
		await press(app.stdin, 'd');
		await waitForFrame(app.lastFrame, 'Back up to which directory?');
		// Typed keys are text here: q does not abort, ? does not open help, y does not answer.
		await press(app.stdin, '/tmp/q?y-', 'backups');
		await waitForFrame(app.lastFrame, '/tmp/q?y-backups');
		expect(answers).toEqual([]);
		await press(app.stdin, BACKSPACE, 's', ENTER);
		const frame = await waitForFrame(app.lastFrame, 'destination: /tmp/q?y-backups (40.0 GB free)');
		expect(answers).toEqual([{ choice: 'destination', value: '/tmp/q?y-backups' }]);
		expect(shown).toHaveLength(2);
		// The new gate starts from no again.
		expect(frame).toMatch(/\[y\/N\] ▏/);
		await press(app.stdin, 'y', ENTER);
		await waitForFrame(app.lastFrame, 'Upgrade complete');
		expect(answers.at(-1)).toEqual({ choice: 'confirm' });
	});

	it('esc leaves the directory input without answering; enter on an empty one asks for a directory', async () => {
		const { app, answers } = await runBackupGate();
		await press(app.stdin, 'd');
		await waitForFrame(app.lastFrame, 'Back up to which directory?');
		await press(app.stdin, ENTER);
		await waitForFrame(app.lastFrame, 'Type a directory, or esc to go back.');
		await press(app.stdin, '/x', ESC);
		await waitForFrame(app.lastFrame, (frame) => frame.includes('[y/N]') && !frame.includes('Back up to which directory?'));
		expect(answers).toEqual([]);
		await press(app.stdin, 'y', ENTER);
		await waitForFrame(app.lastFrame, 'Upgrade complete');
		expect(answers).toEqual([{ choice: 'confirm' }]);
	});

	it('s asks the skip question, which needs a typed y', async () => {
		const { app, answers, skips, outcome } = await runBackupGate();
		await press(app.stdin, 's');
		const frame = await waitForFrame(app.lastFrame, 'Upgrade without a backup?');
		expect(frame).toContain('Without a backup nothing can take a database migration back.');
		expect(answers).toEqual([{ choice: 'skip' }]);
		await press(app.stdin, 'y', ENTER);
		await waitForFrame(app.lastFrame, 'Upgrade complete');
		expect(skips).toEqual([true]);
		expect(outcome()).toBe('no backup');
	});

	it('a skip not confirmed (enter alone) goes back to the backup question', async () => {
		const { app, skips, shown } = await runBackupGate();
		await press(app.stdin, 's');
		await waitForFrame(app.lastFrame, 'Upgrade without a backup?');
		await press(app.stdin, ENTER);
		await waitForFrame(app.lastFrame, 'Back up the database');
		expect(skips).toEqual([false]);
		expect(shown).toHaveLength(2);
		await press(app.stdin, ESC);
		await waitForFrame(app.lastFrame, 'Nothing was changed.');
	});

	it('shows the backup keys on ?', async () => {
		const { app, answers } = await runBackupGate();
		await press(app.stdin, '?');
		await waitForFrame(app.lastFrame, 'type another directory');
		await press(app.stdin, 'x');
		await waitForFrame(app.lastFrame, 'Back up the database');
		expect(answers).toEqual([]);
	});
});

describe('gate desk choices', () => {
	it('answers choose() with the choice, and refuses it after an abort', async () => {
		const desk = createGateDesk();
		const first = desk.prompter.choose!(backupGate('/a'));
		desk.choose(desk.getSnapshot()!.id, { choice: 'destination', value: '/b' });
		await expect(first).resolves.toEqual({ choice: 'destination', value: '/b' });
		const second = desk.prompter.choose!(backupGate('/b'));
		desk.refuseAll();
		await expect(second).resolves.toEqual({ choice: 'no' });
		await expect(desk.prompter.choose!(backupGate('/b'))).resolves.toEqual({ choice: 'no' });
	});

	it('answers gates already answered on an earlier screen at once', async () => {
		const desk = createGateDesk({ answered: ['skip-backup'] });
		await expect(desk.prompter.confirm(SKIP)).resolves.toBe(true);
		expect(desk.getSnapshot()).toBeUndefined();
	});
});
