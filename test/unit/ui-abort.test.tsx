import React from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup } from 'ink-testing-library';
import type { ContainerSummary, RunEvent, RunSummary } from '../../source/core/events.js';
import type { WizardBackend } from '../../source/core/wizard-backend.js';
import { CTRL_C, ENTER, ESC, MIGRATION_GATE, deferred, liveFrame, press, startRun, tick, waitForFrame } from './ui-support.js';

// Whole flows through several screens: generous on a loaded machine.
vi.setConfig({ testTimeout: 20_000 });

// Ctrl-C (or q) while running never just exits: it asks "abort and roll back,
// or keep going"; abort triggers the run's AbortSignal; once a rollback runs,
// a further Ctrl-C is refused with a message.

const ABORTED: ContainerSummary = { container: 'app-1', from: '1.6.0', to: '1.7.0', result: 'rolled-back', reason: 'aborted by the operator', downtimeMs: 2100 };

/**
 * A run that pulls, then waits for the abort signal, then rolls back, holding
 * the rollback open until `finishRollback` resolves.
 */
function abortableRun(finishRollback: Promise<void>) {
	const signals: AbortSignal[] = [];
	const run: WizardBackend['run'] = async (_containers, _tag, { onEvent, signal }) => {
		signals.push(signal);
		const emit = (event: RunEvent) => onEvent({ ...event, at: Date.now() } as Parameters<typeof onEvent>[0]);
		emit({ type: 'run-started', runId: 'r', containers: ['app-1'], dryRun: false });
		emit({ type: 'step-started', container: 'app-1', step: 'pull', detail: 'registry.local:5000/acme/app:1.7.0' });
		emit({ type: 'progress', container: 'app-1', step: 'pull', progress: { current: 10, total: 100, layersDone: 0, layersKnown: 1 } });
		await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
		emit({ type: 'rollback-started', container: 'app-1', reason: 'aborted by the operator' });
		emit({ type: 'rollback-step', container: 'app-1', action: 'remove the new app-1', ok: true });
		await finishRollback;
		emit({ type: 'rollback-done', container: 'app-1', ok: true, detail: 'old container is back' });
		emit({ type: 'container-done', summary: ABORTED });
		const summary: RunSummary = { runId: 'r', exitCode: 1, containers: [ABORTED] };
		emit({ type: 'run-done', summary });
		return summary;
	};
	return { run, signals };
}


afterEach(() => {
	cleanup();
});

describe('abort while running', () => {
	it('asks on ctrl-c; keep going (the default) goes on untouched', async () => {
		const { run, signals } = abortableRun(Promise.resolve());
		const { lastFrame, stdin, onExit } = await startRun(run);
		await waitForFrame(lastFrame, /pull\s/);
		await tick();
		await press(stdin, CTRL_C);
		const frame = await waitForFrame(lastFrame, 'Abort this upgrade?');
		expect(frame).toContain('› keep going');
		expect(frame).toContain('  abort and roll back');
		await press(stdin, ENTER);
		await waitForFrame(lastFrame, (text) => !text.includes('Abort this upgrade?'));
		expect(signals[0]!.aborted).toBe(false);
		expect(onExit).not.toHaveBeenCalled();

		// q asks the same; esc is keep going too.
		await press(stdin, 'q');
		await waitForFrame(lastFrame, 'Abort this upgrade?');
		await press(stdin, ESC);
		await waitForFrame(lastFrame, (text) => !text.includes('Abort this upgrade?'));
		expect(signals[0]!.aborted).toBe(false);
	});

	it('abort triggers the signal; a second ctrl-c during the rollback is refused', async () => {
		const rollback = deferred<void>();
		const { run, signals } = abortableRun(rollback.promise);
		const { lastFrame, stdin, onExit } = await startRun(run);
		await waitForFrame(lastFrame, /pull\s/);
		await tick();
		await press(stdin, CTRL_C);
		await waitForFrame(lastFrame, 'Abort this upgrade?');
		await tick();
		// Back to back, as a quick hand types them: the choice is the one moved to.
		stdin.write('j');
		stdin.write(ENTER);
		await waitForFrame(lastFrame, 'Abort requested: rolling back at the next safe point');
		expect(signals[0]!.aborted).toBe(true);
		await waitForFrame(lastFrame, 'Rolling back');

		await press(stdin, CTRL_C);
		const frame = await waitForFrame(lastFrame, 'Already rolling back: a rollback cannot be interrupted');
		expect(liveFrame(frame)).not.toContain('Abort this upgrade?');
		expect(onExit).not.toHaveBeenCalled();

		rollback.resolve();
		await waitForFrame(lastFrame, 'exit code 1');
		expect(liveFrame(lastFrame()!)).toContain('reason: aborted by the operator');
		await tick();
		await press(stdin, CTRL_C);
		expect(onExit).toHaveBeenCalledWith(1);
	});

	it('a signal from outside (SIGHUP) aborts without asking and exits with the code when the rollback ends', async () => {
		const outside = new AbortController();
		const { run, signals } = abortableRun(Promise.resolve());
		const { lastFrame, onExit } = await startRun(run, outside.signal);
		await waitForFrame(lastFrame, /pull\s/);
		outside.abort('SIGHUP');
		await waitForFrame(lastFrame, 'exit code 1');
		expect(signals[0]!.aborted).toBe(true);
		expect(lastFrame()).not.toContain('Abort this upgrade?');
		// Nobody is at the terminal to press a key: the wizard ends on its own.
		await vi.waitFor(() => expect(onExit).toHaveBeenCalledWith(1), { timeout: 5_000 });
	});

	it('refuses ctrl-c while the executor rolls back on its own', async () => {
		const rollback = deferred<void>();
		const run: WizardBackend['run'] = async (_containers, _tag, { onEvent }) => {
			onEvent({ type: 'run-started', runId: 'r', containers: ['app-1'], dryRun: false, at: Date.now() });
			onEvent({ type: 'failure', container: 'app-1', step: 'health', message: 'unhealthy', at: Date.now() });
			onEvent({ type: 'rollback-started', container: 'app-1', reason: 'unhealthy', at: Date.now() });
			await rollback.promise;
			const summary: RunSummary = { runId: 'r', exitCode: 1, containers: [{ ...ABORTED, reason: 'unhealthy' }] };
			onEvent({ type: 'run-done', summary, at: Date.now() });
			return summary;
		};
		const { lastFrame, stdin } = await startRun(run);
		await waitForFrame(lastFrame, 'Rolling back');
		await tick();
		await press(stdin, 'q');
		await waitForFrame(lastFrame, 'Already rolling back');
		rollback.resolve();
		await waitForFrame(lastFrame, 'exit code 1');
	});

	it('ctrl-c on a gate asks too, and abort answers the gate no', async () => {
		const answers: boolean[] = [];
		const signals: AbortSignal[] = [];
		const run: WizardBackend['run'] = async (_containers, _tag, { onEvent, prompter, signal }) => {
			signals.push(signal);
			onEvent({ type: 'run-started', runId: 'r', containers: ['app-1'], dryRun: false, at: Date.now() });
			const answer = await prompter.confirm(MIGRATION_GATE);
			answers.push(answer);
			// Every later gate is refused at once after an abort.
			answers.push(await prompter.confirm({ ...MIGRATION_GATE, title: 'Another migration?' }));
			const summary: RunSummary = { runId: 'r', exitCode: 2, containers: [{ container: 'app-1', from: '1.6.0', to: '1.7.0', result: 'not-attempted' }] };
			onEvent({ type: 'run-done', summary, at: Date.now() });
			return summary;
		};
		const { lastFrame, stdin, onExit } = await startRun(run);
		await waitForFrame(lastFrame, 'Acknowledge the schema migration?');
		await tick();
		await press(stdin, CTRL_C);
		await waitForFrame(lastFrame, 'Abort this upgrade?');
		// The gate does not take keys while the question is open: y moves nothing there.
		await press(stdin, 'y', 'j', ENTER);
		await waitForFrame(lastFrame, 'Nothing was changed.');
		expect(answers).toEqual([false, false]);
		expect(signals[0]!.aborted).toBe(true);
		await tick();
		await press(stdin, ENTER);
		expect(onExit).toHaveBeenCalledWith(2);
	});
});

describe('why a run failed and rolls back', () => {
	it('is wrapped on the run screen, never cut with an ellipsis', async () => {
		const failure = 'the new app-1 did not become healthy: the Docker healthcheck reported unhealthy 3 times in a row (last check: HTTP 503 from /health) END-OF-FAILURE';
		const reason = 'health failed after 120 s, so the old container is started again on its untouched data and the backup is restored END-OF-REASON';
		const hold = deferred<void>();
		const run: WizardBackend['run'] = async (_containers, _tag, { onEvent }) => {
			const emit = (event: RunEvent) => onEvent({ ...event, at: Date.now() } as Parameters<typeof onEvent>[0]);
			emit({ type: 'run-started', runId: 'r', containers: ['app-1'], dryRun: false });
			emit({ type: 'step-started', container: 'app-1', step: 'health', detail: 'Docker healthcheck' });
			emit({ type: 'failure', container: 'app-1', step: 'health', message: failure });
			emit({ type: 'rollback-started', container: 'app-1', reason });
			await hold.promise;
			const summary: RunSummary = { runId: 'r', exitCode: 1, containers: [ABORTED] };
			emit({ type: 'run-done', summary });
			return summary;
		};
		const { lastFrame } = await startRun(run);
		const frame = await waitForFrame(lastFrame, 'END-OF-REASON');
		const text = frame.split('\n').map((line) => line.trim()).join(' ');
		expect(text).toContain('(last check: HTTP 503 from /health) END-OF-FAILURE');
		expect(text).toContain('the backup is restored END-OF-REASON');
		expect(frame.split('\n').filter((line) => line.includes('failed at') || line.includes('rolling back')).join('\n')).not.toContain('…');
		hold.resolve();
	});
});
