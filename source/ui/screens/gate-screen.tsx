import React, { useRef, useState } from 'react';
import { Box, Text } from 'ink';
import type { Gate } from '../../core/events.js';
import { useKeys, useTerminalSize } from '../terminal.js';
import { GateHeader } from './gate-header.js';
import { wrapText } from '../format.js';

// A question from the executor (skip the backup, a migration, a major
// upgrade). The answer defaults to no and yes takes a typed `y` then enter:
// enter alone, esc or any other key can never say yes by accident. The same
// rule as the line prompter of the plain CLI, so both modes ask alike.

const WHY: Record<string, string> = {
	'skip-backup': 'Without a backup nothing can take a database migration back.',
	migration: 'The first start takes longer while the schema migrates, and only the backup can take it back.',
	'major-upgrade': 'A major version may change behaviour and configuration: read its release notes first.',
};

export interface GateScreenProps {
	gate: Gate;
	active: boolean;
	/** Lines the screen may use. */
	height: number;
	onAnswer: (yes: boolean) => void;
	onInterrupt: () => void;
}

export function GateScreen({ gate, active, height, onAnswer, onInterrupt }: GateScreenProps) {
	const { columns } = useTerminalSize();
	const [typed, setTypedState] = useState('');
	const [hint, setHint] = useState(false);
	// The answer is read from a ref: React renders after the key handler, and
	// "y" then enter typed back to back must not reach enter with the old "".
	const answer = useRef('');
	const answered = useRef(false);
	const setTyped = (value: string) => {
		answer.current = value;
		setTypedState(value);
	};
	const give = (yes: boolean) => {
		if (answered.current) return;
		answered.current = true;
		onAnswer(yes);
	};

	useKeys((input, key) => {
		if (key.return) give(answer.current === 'y');
		else if (key.escape) give(false);
		else if (key.backspace || key.delete) setTyped('');
		else if (input === 'q') onInterrupt();
		else if (input === '?') return;
		else if (/^[yn]$/i.test(input)) {
			setTyped(input.toLowerCase());
			setHint(false);
		} else if (input) setHint(true);
	}, active);

	const why = WHY[String(gate.kind)];
	const message = wrapText(gate.message, columns);
	const reason = why ? wrapText(why, columns) : [];
	// Title, container, gaps, message, why, prompt and hint; details get the rest.
	const room = Math.max(0, height - 5 - (gate.container ? 1 : 0) - message.length - reason.length);
	return (
		<Box flexDirection="column">
			<GateHeader gate={gate} message={message} columns={columns} room={room} />
			{reason.map((line, index) => (
				<Text key={`w${index}`} dimColor wrap="truncate">
					{line}
				</Text>
			))}
			<Text> </Text>
			<Text wrap="truncate">
				{'Type '}
				<Text bold>y</Text>
				{' and press enter to continue; enter alone stops here. [y/N] '}
				<Text bold color="cyan">
					{typed}
				</Text>
				<Text dimColor>▏</Text>
			</Text>
			<Text dimColor wrap="truncate">
				{hint ? 'Only y or n: y then enter continues, n or enter stops.' : ' '}
			</Text>
		</Box>
	);
}
