import { Menu, nativeImage, Tray } from 'electron';
import type { AppWindows } from './windows.js';

/**
 * The menu-bar icon: a template image (macOS tints it for light and dark menu bars). Click toggles
 * the popover; right-click offers the dashboard and Quit; a folder dropped on it (macOS) starts
 * "New session" with that folder.
 */
export function createTray(iconPath: string, windows: AppWindows, onDropPath: (path: string) => void): Tray {
  const icon = nativeImage.createFromPath(iconPath);
  icon.setTemplateImage(true);
  const tray = new Tray(icon);
  tray.setToolTip('MLX Factory');
  tray.on('click', () => windows.togglePopover(tray.getBounds()));
  tray.on('right-click', () => {
    tray.popUpContextMenu(
      Menu.buildFromTemplate([
        { label: 'Open Dashboard', click: () => windows.showDashboard() },
        { type: 'separator' },
        { label: 'Quit MLX Factory', role: 'quit' },
      ]),
    );
  });
  // macOS only (the event never fires elsewhere). One session per drop: the first item.
  tray.on('drop-files', (_event, files) => {
    const first = files[0];
    if (first !== undefined) onDropPath(first);
  });
  return tray;
}
