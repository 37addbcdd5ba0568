import React from 'react';
import { Box, Text } from 'ink';
import { Status } from '../marks.js';
import type { EngineInfo } from '../../core/wizard-backend.js';
import type { Load } from '../use-load.js';
import { Frame, useChrome } from '../chrome.js';
import { Waiting } from '../spin.js';
import { LATER, useKeys } from '../terminal.js';

// Screen 1: which engine the wizard talks to. On success the flow moves on by
// itself (the engine stays in the header); on failure the backend's message
// already says what is wrong and how to fix it, so it is shown whole.

export interface EngineScreenProps {
	load: Load<EngineInfo>;
	onRetry: () => void;
	onQuit: () => void;
	/** What happens once connected, while it does (looking for interrupted runs). */
	next?: string;
}

export function EngineScreen({ load, onRetry, onQuit, next }: EngineScreenProps) {
	const { helpOpen, setHelpOpen } = useChrome();
	useKeys((input) => {
		if (input === '?') setHelpOpen(true);
		else if (input === 'q') onQuit();
		else if (input === 'r' && load.status === 'error') onRetry();
		// Anything else is for the screen that follows once the engine answers.
		else if (load.status !== 'error') return LATER;
	}, !helpOpen);

	return (
		<Frame help="engine" hints={load.status === 'error' ? 'r retry · q quit' : 'q quit'}>
			{load.status === 'error' ? (
				<Box flexDirection="column" gap={1}>
					<Status variant="error">No Docker engine answered.</Status>
					<Text>{load.message}</Text>
					<Text dimColor>Set DOCKER_HOST (e.g. unix:///var/run/docker.sock) or start the engine, then press r.</Text>
				</Box>
			) : load.status === 'ready' ? (
				<>
					<Status variant="success">{`Connected to ${load.value.endpoint} (Docker ${load.value.engineVersion})`}</Status>
					{next ? <Waiting>{next}</Waiting> : null}
				</>
			) : (
				<Waiting>Connecting to the Docker engine…</Waiting>
			)}
		</Frame>
	);
}
