import React, { useRef, useState } from 'react';
import { Box, Text } from 'ink';
import type { ChoiceGate, GateAnswer } from '../../core/events.js';
import { TextInput } from '../text-input.js';
import { useKeys, useTerminalSize } from '../terminal.js';
import { GateHeader } from './gate-header.js';
import { wrapText } from '../format.js';

// Screen 5: where the backup goes, before anything is touched. Three ways on:
// back up here (typed y then enter, as every gate: enter alone never says
// yes), another directory (the executor checks it and asks again), or skip
// (the executor then asks the skip question, which defaults to no). Esc, n or
// enter alone decline: the run ends with nothing touched.

export interface BackupGateScreenProps {
	gate: ChoiceGate;
	active: boolean;
	height: number;
	onChoose: (answer: GateAnswer) => void;
	onInterrupt: () => void;
	/** The directory input is open: keys are text, not commands (not even ? or q). */
	onTyping?: (typing: boolean) => void;
}

const KEYS: Record<string, string> = { confirm: 'y then enter', destination: 'd', skip: 's' };

export function BackupGateScreen({ gate, active, height, onChoose, onInterrupt, onTyping }: BackupGateScreenProps) {
	const { columns } = useTerminalSize();
	const [typed, setTypedState] = useState('');
	const [hint, setHint] = useState<string>();
	const [typing, setTypingState] = useState(false);
	// Refs, as in GateScreen: "y" then enter typed back to back must read the "y".
	const answer = useRef('');
	const answered = useRef(false);
	const setTyped = (value: string) => {
		answer.current = value;
		setTypedState(value);
	};
	const setTyping = (value: boolean) => {
		setTypingState(value);
		onTyping?.(value);
	};
	const offers = (choice: string) => gate.choices.some((each) => each.choice === choice);
	const give = (value: GateAnswer) => {
		if (answered.current) return;
		answered.current = true;
		onChoose(value);
	};

	useKeys((input, key) => {
		if (key.return) give({ choice: answer.current === 'y' ? 'confirm' : 'no' });
		else if (key.escape) give({ choice: 'no' });
		else if (key.backspace || key.delete) setTyped('');
		else if (input === 'q') onInterrupt();
		else if (input === '?') return;
		else if (input === 'd' && offers('destination')) {
			setHint(undefined);
			setTyping(true);
		} else if (input === 's' && offers('skip')) give({ choice: 'skip' });
		else if (/^[yn]$/i.test(input)) {
			setTyped(input.toLowerCase());
			setHint(undefined);
		} else if (input) setHint('y then enter backs up here · d another directory · s skip · n, enter or esc stops');
	}, active && !typing);

	const message = wrapText(gate.message, columns);
	const choices = gate.choices.map((choice) => `  ${(KEYS[choice.choice] ?? '').padEnd(13)} ${choice.label}`);
	// Title, container, gaps, message, choices (or the input), prompt and hint; details get the rest.
	const fixed = 6 + (gate.container ? 1 : 0) + message.length + (typing ? 2 : choices.length);
	const room = Math.max(0, height - fixed);

	return (
		<Box flexDirection="column">
			<GateHeader gate={gate} message={message} columns={columns} room={room} />
			<Text> </Text>
			{typing ? (
				<>
					<Text wrap="truncate">Back up to which directory? It must be writable with 1.2x the database free.</Text>
					<TextInput
						active={active}
						placeholder="/path/to/backups"
						onSubmit={(value) => {
							if (value.trim()) give({ choice: 'destination', value: value.trim() });
							else setHint('Type a directory, or esc to go back.');
						}}
						onCancel={() => {
							setHint(undefined);
							setTyping(false);
						}}
					/>
				</>
			) : (
				<>
					{choices.map((line, index) => (
						<Text key={`c${index}`} wrap="truncate">
							{line}
						</Text>
					))}
					<Text wrap="truncate">
						{'Type '}
						<Text bold>y</Text>
						{' and press enter to back up; enter alone stops here. [y/N] '}
						<Text bold color="cyan">
							{typed}
						</Text>
						<Text dimColor>▏</Text>
					</Text>
				</>
			)}
			<Text dimColor wrap="truncate">
				{hint ?? ' '}
			</Text>
		</Box>
	);
}
