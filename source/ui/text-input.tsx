import React, { useRef, useState } from 'react';
import { Text } from 'ink';
import { useKeys } from './terminal.js';

// One line of typed text (a backup directory, a database URL). Hand-made on
// useKeys rather than @inkjs/ui's TextInput so that it listens only on a TTY,
// never sees Ctrl-C (the app owns it), and can mask what it shows (a URL's
// password is never drawn, not even while it is typed).

export interface TextInputProps {
	active: boolean;
	placeholder?: string;
	/** What the frame shows for the value; the value itself goes to onSubmit untouched. */
	display?: (value: string) => string;
	onSubmit: (value: string) => void;
	onCancel: () => void;
	/** Every change, for screens that check as the operator types. */
	onChange?: (value: string) => void;
}

// Control characters a paste may carry (a trailing newline, escapes): never part of the value.
const CONTROL = /[\u0000-\u001F\u007F]/g;

export function TextInput({ active, placeholder, display = (value) => value, onSubmit, onCancel, onChange }: TextInputProps) {
	const [value, setValueState] = useState('');
	// Read from a ref: keys typed back to back must each see the one before.
	const current = useRef('');
	const setValue = (next: string) => {
		current.current = next;
		setValueState(next);
		onChange?.(next);
	};

	useKeys((input, key) => {
		if (key.return) onSubmit(current.current);
		else if (key.escape) onCancel();
		else if (key.backspace || key.delete) setValue(current.current.slice(0, -1));
		else if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow) return;
		else if (input) {
			const text = input.replace(CONTROL, '');
			if (text) setValue(current.current + text);
		}
	}, active);

	const shown = display(value);
	return (
		// The end of a long value is where the operator types: cut the start, not the end.
		<Text wrap="truncate-start">
			<Text color="cyan">{'› '}</Text>
			{shown ? <Text bold>{shown}</Text> : <Text dimColor>{placeholder ?? ''}</Text>}
			<Text dimColor>▏</Text>
		</Text>
	);
}
