; NSIS script for the Windows installer; scripts/package.sh windows runs it.
Unicode true
Name "Tributary"
OutFile "${OUTDIR}\tributary-${VERSION}-windows-amd64-setup.exe"
InstallDir "$LOCALAPPDATA\Programs\Tributary"
RequestExecutionLevel user

Page directory
Page instfiles
UninstPage uninstConfirm
UninstPage instfiles

Section "Install"
  SetOutPath "$INSTDIR"
  File "${OUTDIR}\tributary.exe"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  CreateShortCut "$SMPROGRAMS\Tributary.lnk" "$INSTDIR\tributary.exe"
  WriteRegStr HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\Tributary" "DisplayName" "Tributary"
  WriteRegStr HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\Tributary" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\Tributary" "UninstallString" "$INSTDIR\uninstall.exe"
SectionEnd

Section "Uninstall"
  Delete "$SMPROGRAMS\Tributary.lnk"
  Delete "$INSTDIR\tributary.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "Software\Microsoft\Windows\CurrentVersion\Uninstall\Tributary"
SectionEnd
