import React from 'react';
import { Text } from 'ink';

// Two small marks in the manner of @inkjs/ui's StatusMessage and Badge, kept
// here because importing @inkjs/ui loads every one of its components (~45 ms
// measured unbundled), and startup time is what the wizard is judged by.

const STATUS = {
	success: { icon: '✔', color: 'green' },
	error: { icon: '✖', color: 'red' },
	warning: { icon: '⚠', color: 'yellow' },
	info: { icon: 'ℹ', color: 'blue' },
} as const;

export function Status({ variant, children }: { variant: keyof typeof STATUS; children: string }) {
	const { icon, color } = STATUS[variant];
	return (
		<Text wrap="truncate">
			<Text color={color}>{icon}</Text> {children}
		</Text>
	);
}

/** An upper-case label on a coloured background; still readable with NO_COLOR. */
export function Badge({ color, children }: { color: string; children: string }) {
	return (
		<Text backgroundColor={color} color="black">
			{` ${children.toUpperCase()} `}
		</Text>
	);
}
