import React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup } from 'ink-testing-library';
import type { RunSummary, TimedEvent } from '../../source/core/events.js';
import type { WizardBackend } from '../../source/core/wizard-backend.js';
import { renderWizard } from '../../source/ui/render.js';
import { ENTER, FakeStdin, startRun, SizedStdout, fakeBackend, liveFrame, press, recordedRollback, recordedUpgrade, tick, waitForFrame } from './ui-support.js';

// Whole flows through several screens: generous on a loaded machine.
vi.setConfig({ testTimeout: 20_000 });

// The summary after a run, for success and for rollback, and the exit code it
// hands back: the --yes exit code for the same outcome.

/** A backend whose run replays recorded events and returns the last summary. */
function replaying(events: TimedEvent[], patch: (summary: RunSummary) => RunSummary = (summary) => summary): WizardBackend['run'] {
	return async (_containers, _tag, { onEvent }) => {
		let summary: RunSummary | undefined;
		for (const event of events) {
			if (event.type === 'run-done') {
				summary = patch(event.summary);
				onEvent({ ...event, summary });
			} else {
				onEvent(event);
			}
		}
		return summary!;
	};
}

async function runToSummary(run: WizardBackend['run']) {
	const app = await startRun(run);
	await waitForFrame(app.lastFrame, '[6 Summary]');
	return app;
}

afterEach(() => {
	cleanup();
});

describe('summary screen', () => {
	it('shows a success with versions, downtime, the backup and next steps; enter exits 0', async () => {
		const withBackup = (summary: RunSummary): RunSummary => ({
			...summary,
			containers: summary.containers.map((container) => ({
				...container,
				backup: { path: '/var/lib/upgrade-wizard/backups/app-1-1.6.0-20261122.dump', sha256: 'e3b0c44298fc1c149afbf4c8996fb924', sizeBytes: 48 * 1024 * 1024 },
			})),
		});
		const { lastFrame, stdin, onExit } = await runToSummary(replaying(recordedUpgrade(Date.now()), withBackup));
		const frame = liveFrame(await waitForFrame(lastFrame, 'exit code 0'));
		expect(frame).toContain('✔ Upgrade complete.');
		expect(frame).toContain('app-1  1.6.0 → 1.7.0  upgraded');
		expect(frame).toContain('downtime 3.2 s · pull 1.5 s · total 5.3 s');
		expect(frame).toContain('backup /var/lib/upgrade-wizard/backups/app-1-1.6.0-20261122.dump (48 MB)');
		expect(frame).toContain('sha256 e3b0c44298fc1c149afbf4c8996fb924');
		expect(frame).toContain('Check that the application works');
		expect(frame).toContain('Keep the backup until you are sure');
		expect(frame).toContain('journal: /state/upgrade-wizard/runs/run-1.json');
		expect(frame).toContain('enter or q exit (code 0)');
		// The run's history stays above the summary.
		expect(lastFrame()).toContain('✔ app-1: health done in 2.4 s');
		await tick();
		await press(stdin, ENTER);
		expect(onExit).toHaveBeenCalledWith(0);
	});

	it('shows a rollback with its reason and next steps; q exits 1', async () => {
		const { lastFrame, stdin, onExit } = await runToSummary(replaying(recordedRollback(Date.now())));
		const frame = liveFrame(await waitForFrame(lastFrame, 'exit code 1'));
		expect(frame).toContain('↺ The upgrade failed and was rolled back: the old version runs again.');
		expect(frame).toContain('app-1  1.6.0 → 1.7.0  rolled back');
		expect(frame).toContain('downtime 9.1 s');
		expect(frame).toContain('reason: the new app-1 did not become healthy: unhealthy after 3 checks');
		expect(frame).toContain('Fix the reason above, then run the wizard again.');
		expect(lastFrame()).toContain('rollback: start the old app-1 ok');
		expect(lastFrame()).toContain('rollback complete');
		await tick();
		await press(stdin, 'q');
		expect(onExit).toHaveBeenCalledWith(1);
	});

	it('shows an incomplete rollback with the state and the commands to finish by hand (exit 3)', async () => {
		const incomplete = (summary: RunSummary): RunSummary => ({
			...summary,
			exitCode: 3,
			containers: summary.containers.map((container) => ({
				...container,
				result: 'rollback-failed',
				restored: true,
				reason: 'the new app-1 did not become healthy; rollback incomplete: rename app-1-old back to app-1: conflict: the name app-1 is in use by a container that could not be removed',
				state: ['old container: app-1-old (a1a1a1a1a1a1) image registry.local:5000/acme/app:1.6.0, exited'],
				commands: ['docker rm -f app-1', 'docker rename app-1-old app-1', 'docker start a1a1a1a1a1a1'],
			})),
		});
		const { lastFrame, stdin, onExit } = await runToSummary(replaying(recordedRollback(Date.now()), incomplete));
		const frame = liveFrame(await waitForFrame(lastFrame, 'to finish by hand'));
		expect(frame).toContain('The rollback is incomplete');
		expect(frame).toContain('ROLLBACK INCOMPLETE');
		expect(frame).toContain('the database was restored from the backup');
		expect(frame).toContain('docker rename app-1-old app-1');
		// A long reason is wrapped, not cut: its end is on screen.
		expect(frame).toContain('could not be removed');
		for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
		await tick();
		await press(stdin, ENTER);
		expect(onExit).toHaveBeenCalledWith(3);
	});

	it('says so when the run throws instead of returning a summary', async () => {
		const { lastFrame, stdin, onExit } = await runToSummary(async (_containers, _tag, { onEvent }) => {
			onEvent({ type: 'run-started', runId: 'r', containers: ['app-1'], dryRun: false, journal: '/state/runs/r.json', at: Date.now() });
			throw new Error('the engine went away (ECONNRESET)');
		});
		const frame = await waitForFrame(lastFrame, 'The run stopped with an error.');
		expect(frame).toContain('the engine went away (ECONNRESET)');
		expect(frame).toContain('journal: /state/runs/r.json');
		expect(frame).toContain('exit code 3');
		await tick();
		await press(stdin, ENTER);
		expect(onExit).toHaveBeenCalledWith(3);
	});

	it('keeps an error\'s own exit code (nothing touched: 2)', async () => {
		const usage = Object.assign(new Error('registry.local:5000/acme/app:1.7.0 does not exist'), { exitCode: 2 });
		const { lastFrame } = await runToSummary(async () => Promise.reject(usage));
		await waitForFrame(lastFrame, 'exit code 2');
	});
});

describe('renderWizard', () => {
	it('renders on the given streams and resolves with the exit code', async () => {
		const stdout = new SizedStdout(80, 24);
		const stdin = new FakeStdin();
		const done = renderWizard(fakeBackend(), { preselect: { containers: [], labels: [] } }, {
			stdout: stdout as unknown as NodeJS.WriteStream,
			stdin: stdin as unknown as NodeJS.ReadStream,
			// vitest's console cannot be patched; the terminal's can.
			patchConsole: false,
		});
		await waitForFrame(() => stdout.frames.join(''), 'app-1');
		await tick(50);
		stdin.write('q');
		await expect(done).resolves.toBe(2);
	});
});
