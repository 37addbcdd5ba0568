import React from 'react';
import { render, type RenderOptions } from 'ink';
import type { WizardBackend } from '../core/wizard-backend.js';
import { EXIT_CANCELLED, WizardApp, type WizardOptions } from './app.js';

// Mounts the wizard on the terminal and resolves with its exit code. The app
// owns Ctrl-C (abort means roll back, not exit), and a low frame rate keeps
// progress redraws calm; the run store throttles to the same rate.

/** `io` is for tests and embedding: the terminal's own streams by default. */
export async function renderWizard(
	backend: WizardBackend,
	options: WizardOptions,
	io: Pick<RenderOptions, 'stdout' | 'stdin' | 'stderr' | 'patchConsole'> = {},
): Promise<number> {
	let code: number = EXIT_CANCELLED;
	const instance = render(
		<WizardApp
			backend={backend}
			options={options}
			onExit={(value) => {
				code = value;
			}}
		/>,
		{ ...io, exitOnCtrlC: false, maxFps: 15 },
	);
	await instance.waitUntilExit();
	return code;
}
