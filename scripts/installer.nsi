; NSIS script for the Windows installer; scripts/package.sh windows runs it.
; It installs for the current user only (no administrator prompt): the
; program, a Start-menu entry, an uninstaller listed in Apps & features,
; and Tributary as a mailto: handler that the user can pick in Default apps.
Unicode true
Name "Tributary"
OutFile "${OUTDIR}\tributary-${VERSION}-windows-amd64-setup.exe"
InstallDir "$LOCALAPPDATA\Programs\Tributary"
RequestExecutionLevel user

!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Tributary"
; Windows lists a mail handler from its Capabilities key under
; RegisteredApplications; the ProgID says how to open a mailto: URL.
!define CAPKEY "Software\Tributary\Capabilities"
!define PROGID "Tributary.mailto"

Page directory
Page instfiles
UninstPage uninstConfirm
UninstPage instfiles

Section "Install"
  SetOutPath "$INSTDIR"
  File "${OUTDIR}\tributary.exe"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  ; Start menu
  CreateShortCut "$SMPROGRAMS\Tributary.lnk" "$INSTDIR\tributary.exe"

  ; Apps & features
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayName" "Tributary"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayIcon" "$INSTDIR\tributary.exe"
  WriteRegStr HKCU "${UNINSTKEY}" "Publisher" "The Tributary developers"
  WriteRegStr HKCU "${UNINSTKEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegDWORD HKCU "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTKEY}" "NoRepair" 1

  ; mailto: handler
  WriteRegStr HKCU "Software\Classes\${PROGID}" "" "Tributary mailto: link"
  WriteRegStr HKCU "Software\Classes\${PROGID}" "URL Protocol" ""
  WriteRegStr HKCU "Software\Classes\${PROGID}\DefaultIcon" "" "$INSTDIR\tributary.exe,0"
  WriteRegStr HKCU "Software\Classes\${PROGID}\shell\open\command" "" '"$INSTDIR\tributary.exe" "%1"'
  WriteRegStr HKCU "${CAPKEY}" "ApplicationName" "Tributary"
  WriteRegStr HKCU "${CAPKEY}" "ApplicationDescription" "Every mail account in one unified inbox"
  WriteRegStr HKCU "${CAPKEY}\URLAssociations" "mailto" "${PROGID}"
  WriteRegStr HKCU "Software\RegisteredApplications" "Tributary" "${CAPKEY}"
SectionEnd

Section "Uninstall"
  Delete "$SMPROGRAMS\Tributary.lnk"
  Delete "$INSTDIR\tributary.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "${UNINSTKEY}"
  DeleteRegValue HKCU "Software\RegisteredApplications" "Tributary"
  DeleteRegKey HKCU "Software\Tributary"
  DeleteRegKey HKCU "Software\Classes\${PROGID}"
SectionEnd
