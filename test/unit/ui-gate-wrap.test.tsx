import React from 'react';
import { render } from 'ink';
import { afterEach, describe, expect, it } from 'vitest';
import { GateScreen } from '../../source/ui/screens/gate-screen.js';
import type { Gate } from '../../source/core/events.js';
import { FakeStdin, SizedStdout, tick } from './ui-support.js';

// At 80x24, the smallest terminal the wizard promises to be readable in, a
// gate's safety sentences wrap: their ends are what the operator must read.

const GATE: Gate = {
	kind: 'migration',
	title: 'Schema migration in 1.8.0',
	message: '1.8.0 migrates the database schema',
	details: [
		'database postgres://shop@db:5432/shop (via container demoshop_db_1): schema 5 -> 6',
		'the first start runs the migration and may take much longer: the health timeout is 600 s',
		'there is no automatic downgrade: the verified backup taken before it is the only way back',
	],
};

let unmount: (() => void) | undefined;
afterEach(() => unmount?.());

describe('a gate at 80 columns', () => {
	it('wraps its details instead of cutting them with an ellipsis', async () => {
		const stdout = new SizedStdout(80, 24);
		const app = render(<GateScreen gate={GATE} active height={20} onAnswer={() => undefined} onInterrupt={() => undefined} />, {
			stdout: stdout as unknown as NodeJS.WriteStream,
			stdin: new FakeStdin() as unknown as NodeJS.ReadStream,
			patchConsole: false,
		});
		unmount = app.unmount;
		await tick(50);
		const drawn = [...stdout.frames].reverse().find((each) => each.includes('Schema migration'))!;
		const frame = drawn.replace(/\u001b\[[?0-9;]*[A-Za-z]/g, '');
		const text = frame.split('\n').map((line) => line.trim()).join(' ');
		expect(text).toContain('the health timeout is 600 s');
		expect(text).toContain('is the only way back');
		expect(frame).not.toContain('…');
		for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
	});
});

describe('the plan screen', () => {
	it('wraps a long health line instead of cutting its end', async () => {
		const { previewFor, toPlanScreen, waitForFrame } = await import('./ui-support.js');
		const preview = previewFor(['app-1'], '1.7.0');
		preview.containers[0]!.health =
			"the new image's Docker healthcheck if it has one; HTTP 200 from :8080/health/endtoend with data.services.* all true, data.is_testing false when present; else running 10 s without a restart (timeout 120 s)";
		const { app } = await toPlanScreen({ preview: async () => preview });
		await waitForFrame(app.lastFrame, 'The plan:');
		const frame = app.lastFrame()!;
		const text = frame.split('\n').map((line) => line.trim()).join(' ');
		expect(text).toContain('data.is_testing false when present;');
		expect(text).toContain('(timeout 120 s)');
		app.unmount();
	});
});

/** The last frame drawn at 80x24 that shows `marker`, without escape codes. */
async function at80(element: React.ReactElement, marker: string): Promise<string> {
	const stdout = new SizedStdout(80, 24);
	const app = render(element, { stdout: stdout as unknown as NodeJS.WriteStream, stdin: new FakeStdin() as unknown as NodeJS.ReadStream, patchConsole: false });
	unmount = app.unmount;
	await tick(50);
	const drawn = [...stdout.frames].reverse().find((each) => each.includes(marker));
	if (!drawn) throw new Error(`no frame showed ${marker}`);
	return drawn.replace(/\u001b\[[?0-9;]*[A-Za-z]/g, '');
}

describe('the safety sentences of the other screens at 80 columns', () => {
	it('the no-database screen wraps why the backup needs the database', async () => {
		const { NoDatabaseScreen } = await import('../../source/ui/screens/no-database-screen.js');
		const frame = await at80(
			<NoDatabaseScreen container="app-1" message="app-1: no database found (no DATABASE_URL in its environment)" onAnswer={() => undefined} onBack={() => undefined} onQuit={() => undefined} />,
			'No database found',
		);
		const text = frame.split('\n').map((line) => line.trim()).join(' ');
		expect(text).toContain('it is the only way back from a migration.');
		expect(frame).not.toContain('…');
		for (const line of frame.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
	});

	it('the abort dialog says in full what aborting does', async () => {
		const { AbortDialog } = await import('../../source/ui/screens/abort-dialog.js');
		const frame = await at80(<AbortDialog active onChoose={() => undefined} />, 'Abort this upgrade?');
		expect(frame).toContain('the old container comes back as it was.');
		expect(frame).not.toContain('…');
	});
});
