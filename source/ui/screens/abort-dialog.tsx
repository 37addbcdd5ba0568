import React, { useRef, useState } from 'react';
import { Box, Text } from 'ink';
import { isDown, isUp, useKeys } from '../terminal.js';

// Ctrl-C (or q) during a run: never an instant exit, which could leave a
// half-swapped container, but a question. "Keep going" is first and is what
// enter picks unless the operator moves to "abort".

export const ABORT_DIALOG_LINES = 3;

export interface AbortDialogProps {
	active: boolean;
	onChoose: (abort: boolean) => void;
}

export function AbortDialog({ active, onChoose }: AbortDialogProps) {
	const [abort, setAbortState] = useState(false);
	// Read at enter from a ref, not the last render: "j" then enter typed back to back aborts.
	const choice = useRef(false);
	const setAbort = (value: boolean) => {
		choice.current = value;
		setAbortState(value);
	};
	useKeys((input, key) => {
		if (isUp(input, key)) setAbort(false);
		else if (isDown(input, key)) setAbort(true);
		else if (key.escape) onChoose(false);
		else if (key.return) onChoose(choice.current);
	}, active);
	return (
		<Box flexDirection="column">
			<Text bold color="yellow" wrap="truncate">
				Abort this upgrade? Aborting rolls back: the old container comes back as it was.
			</Text>
			<Text wrap="truncate" bold={!abort} color={!abort ? 'cyan' : undefined}>
				{`${!abort ? '›' : ' '} keep going`}
			</Text>
			<Text wrap="truncate" bold={abort} color={abort ? 'cyan' : undefined}>
				{`${abort ? '›' : ' '} abort and roll back`}
			</Text>
		</Box>
	);
}
