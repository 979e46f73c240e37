// The header's status chip: its details (who is signed in, 今すぐ同期, refused changes …) are
// behind one tap, as a person finds them.
import { fireEvent, screen } from '@testing-library/preact';

export async function openStatus(): Promise<void> {
  const chip = await screen.findByRole('button', { name: /未同期/ });
  if (chip.getAttribute('aria-expanded') !== 'true') fireEvent.click(chip);
}
