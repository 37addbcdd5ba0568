import React, { createContext, useContext, type ReactNode } from 'react';
import { Box, Text } from 'ink';
import type { EngineInfo } from '../core/wizard-backend.js';
import { HELP, type HelpTopic } from './help.js';
import { liveHeight, useKeys, useTerminalSize } from './terminal.js';
import { truncate } from './format.js';

// The frame every screen sits in: where you are in the flow and on which
// engine (top), the screen, then one status line and the keys (bottom). The
// frame is as tall as the screen's content, which each screen budgets to
// useBodyHeight(), so it never reaches the terminal's height and ink redraws
// in place instead of clearing the screen.

export const STAGES = ['Engine', 'Containers', 'Version', 'Plan', 'Run', 'Summary'] as const;
export type Stage = (typeof STAGES)[number] | 'Recovery';
/** The stages of a recovery (`upgrade-wizard recover`, or an interrupted run found at start): its Run and Summary are the recovery's. */
export const RECOVERY_STAGES: readonly Stage[] = ['Engine', 'Recovery', 'Run', 'Summary'];

export interface Chrome {
	stage: Stage;
	/** The flow the header lists; the upgrade's by default. */
	stages?: readonly Stage[];
	engine?: EngineInfo;
	helpOpen: boolean;
	setHelpOpen: (open: boolean) => void;
}

export const ChromeContext = createContext<Chrome>({ stage: 'Engine', helpOpen: false, setHelpOpen: () => undefined });

export function useChrome(): Chrome {
	return useContext(ChromeContext);
}

const HEADER_LINES = 2;
const FOOTER_LINES = 2;

/** Lines a screen's body may use. */
export function useBodyHeight(): number {
	return liveHeight(useTerminalSize()) - HEADER_LINES - FOOTER_LINES;
}

/** The header's second line: the engine, or every engine of a cluster by name (the Engine screen has their details). */
function engineLine(engine: EngineInfo | undefined): string {
	if (!engine) return 'engine: not connected yet';
	if (engine.engines) return `${engine.engines.length} engines: ${engine.engines.map((each) => each.name ?? each.endpoint).join(', ')}`;
	return `engine ${engine.name && engine.name !== engine.endpoint ? `${engine.name} (${engine.endpoint})` : engine.endpoint} · Docker ${engine.engineVersion} · API ${engine.apiVersion}`;
}

function Header() {
	const { stage, stages = STAGES, engine } = useChrome();
	const { columns } = useTerminalSize();
	const current = stages.indexOf(stage);
	return (
		<Box flexDirection="column">
			<Text wrap="truncate">
				<Text bold>upgrade-wizard</Text>
				{stages.map((name, index) =>
					// Brackets, not only bold: with NO_COLOR there is no styling at all.
					index === current ? (
						<Text key={name} bold color="cyan">{` [${index + 1} ${name}]`}</Text>
					) : (
						<Text key={name} dimColor>{` ${index + 1} ${name}`}</Text>
					),
				)}
			</Text>
			<Text wrap="truncate" dimColor>
				{truncate(engineLine(engine), columns)}
			</Text>
		</Box>
	);
}

function HelpBody({ topic, height }: { topic: HelpTopic; height: number }) {
	const { setHelpOpen } = useChrome();
	useKeys(() => setHelpOpen(false));
	const lines = HELP[topic];
	const shown = lines.slice(0, Math.max(1, height - 1));
	return (
		<Box flexDirection="column">
			<Text bold wrap="truncate">
				Keys on this screen
			</Text>
			{shown.map(([keys, what]) => (
				<Text key={keys} wrap="truncate">
					<Text bold>{`  ${keys.padEnd(14)}`}</Text>
					{what}
				</Text>
			))}
		</Box>
	);
}

export interface FrameProps {
	help: HelpTopic;
	/** Key hints, shortest first-read form: "enter next · esc back". */
	hints: string;
	status?: ReactNode;
	children: ReactNode;
}

export function Frame({ help, hints, status, children }: FrameProps) {
	const { helpOpen } = useChrome();
	const height = useBodyHeight();
	return (
		<Box flexDirection="column">
			<Header />
			{helpOpen ? (
				<HelpBody topic={help} height={height} />
			) : (
				<Box flexDirection="column">{children}</Box>
			)}
			<Box height={1} overflow="hidden">
				{helpOpen ? <Text dimColor>any key closes this help</Text> : (status ?? <Text> </Text>)}
			</Box>
			<Text wrap="truncate" dimColor>
				{helpOpen ? ' ' : `${hints} · ? help`}
			</Text>
		</Box>
	);
}
