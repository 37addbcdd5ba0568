import React from 'react';
import { Box, Text } from 'ink';
import { Status } from '../marks.js';
import type { EngineInfo } from '../../core/wizard-backend.js';
import type { Load } from '../use-load.js';
import { Frame, useChrome } from '../chrome.js';
import { Waiting } from '../spin.js';
import { LATER, useKeys } from '../terminal.js';
import { cell, columnWidth } from '../format.js';

// Screen 1: which engine(s) the wizard talks to. On success the flow moves on by
// itself (the engines stay in the header); on failure the backend's message
// already says what is wrong and how to fix it, so it is shown whole, under a
// headline that says which engine did not answer, or that a setting is refused
// (an unknown context is not an engine that is down).

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
					{load.kind === 'engine-unreachable' && load.engine ? (
						<Status variant="error">{`The Docker engine ${load.engine} did not answer.`}</Status>
					) : (
						<Status variant="error">The Docker engine cannot be used as given.</Status>
					)}
					<Text>{load.message}</Text>
					<Text dimColor>
						{load.kind === 'engine-unreachable'
							? 'Start that engine, or point its --host, --context or DOCKER_HOST at a running one, then press r.'
							: 'Fix the --host, --context or DOCKER_HOST named above (e.g. unix:///var/run/docker.sock), then press r.'}
					</Text>
				</Box>
			) : load.status === 'ready' ? (
				<>
					<Connected engine={load.value} />
					{next ? <Waiting>{next}</Waiting> : null}
				</>
			) : (
				<Waiting>Connecting to the Docker engine…</Waiting>
			)}
		</Frame>
	);
}

/** One engine in a line; several (a cluster) one line each, in the order the run goes. */
function Connected({ engine }: { engine: EngineInfo }) {
	if (!engine.engines) return <Status variant="success">{`Connected to ${engine.endpoint} (Docker ${engine.engineVersion})`}</Status>;
	const name = columnWidth(engine.engines.map((each) => each.name ?? each.endpoint), 6, 40);
	return (
		<Box flexDirection="column">
			<Status variant="success">{`Connected to ${engine.engines.length} engines, in the order the run goes:`}</Status>
			{engine.engines.map((each) => (
				<Text key={each.endpoint} wrap="truncate">
					{`  ${cell(each.name ?? each.endpoint, name)}  ${each.name && each.name !== each.endpoint ? `${each.endpoint}  ` : ''}Docker ${each.engineVersion} · API ${each.apiVersion}`}
				</Text>
			))}
		</Box>
	);
}
