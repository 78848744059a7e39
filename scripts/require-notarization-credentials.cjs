// electron-builder `afterPack` hook (electron-builder.yml). With `mac.notarize: true` and no App
// Store Connect API key in the environment, electron-builder only warns ("skipped macOS
// notarization") and ships an app Gatekeeper rejects: a release build fails here instead. A local
// unsigned build turns notarization off for its run: `-c.mac.notarize=false`
// (docs/mac-checklist.md). CommonJS: electron-builder loads hooks with require().
'use strict';

const REQUIRED = ['APPLE_API_KEY', 'APPLE_API_KEY_ID', 'APPLE_API_ISSUER'];

/** The names missing for notarization, or [] when it is off or not a macOS build. */
function missingNotarizationCredentials(platformName, notarize, env) {
  if (platformName !== 'mac' || notarize === false) return [];
  return REQUIRED.filter((name) => (env[name] ?? '') === '');
}

module.exports = async function requireNotarizationCredentials(context) {
  const notarize = context.packager.config.mac?.notarize;
  const missing = missingNotarizationCredentials(
    context.electronPlatformName === 'darwin' ? 'mac' : context.electronPlatformName,
    notarize,
    process.env,
  );
  if (missing.length > 0)
    throw new Error(
      `mac.notarize is on but ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set: set the App Store Connect API key, or build unsigned with -c.mac.notarize=false.`,
    );
};
module.exports.missingNotarizationCredentials = missingNotarizationCredentials;
