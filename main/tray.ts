import { Menu, nativeImage, Tray, type KeyboardEvent, type Rectangle } from 'electron';
import type { AppWindows } from './windows.js';

/**
 * The menu-bar icon: a template image (macOS tints it for light and dark menu bars). Click toggles
 * the popover; right-click — and Ctrl-click, as everywhere on a Mac — offers the dashboard and
 * Quit; a folder dropped on it (macOS) starts "New session" with that folder.
 */
export function createTray(iconPath: string, windows: AppWindows, onDropPath: (path: string) => void): Tray {
  const icon = nativeImage.createFromPath(iconPath);
  icon.setTemplateImage(true);
  const tray = new Tray(icon);
  tray.setToolTip('MLX Factory');
  const showMenu = (): void => {
    windows.hidePopover();
    tray.popUpContextMenu(
      Menu.buildFromTemplate([
        { label: 'Open Dashboard', click: () => windows.showDashboard() },
        { type: 'separator' },
        { label: 'Quit MLX Factory', role: 'quit' },
      ]),
    );
  };
  // The bounds the event carries, not tray.getBounds(): that has said y = 0 on a display above or
  // below the primary one. A Ctrl-click on a trackpad arrives here as a click with ctrlKey.
  tray.on('click', (event: KeyboardEvent, bounds: Rectangle) => {
    if (event.ctrlKey === true) showMenu();
    else windows.togglePopover(bounds);
  });
  tray.on('right-click', showMenu);
  // macOS only (the event never fires elsewhere). One session per drop: the first item.
  tray.on('drop-files', (_event, files) => {
    const first = files[0];
    if (first !== undefined) onDropPath(first);
  });
  return tray;
}
