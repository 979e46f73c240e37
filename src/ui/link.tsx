import type { AnchorHTMLAttributes, ComponentChildren } from 'preact';
import { onLinkClick } from './router';

/** An anchor that navigates inside the app. */
export function Link(props: { href: string; children: ComponentChildren } & Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href' | 'onClick' | 'role'>) {
  const { href, children, ...rest } = props;
  return (
    <a href={href} onClick={onLinkClick} {...rest}>
      {children}
    </a>
  );
}
