; Inno Setup script: per-machine install of the one-folder bundle (dist\workstation).
;
;   ISCC.exe /DAppVersion=0.1.0 packaging\windows\workstation.iss
;
; Needs, beside this file: vcredist_x64.exe, the Visual C++ 2013 x64 redistributable (pyzbar's
; libzbar-64.dll is built with Visual C++ 2013 and needs msvcr120.dll); the CI workflow downloads it.
; Optional: workstation.toml beside this file, the facility config IT ships (else the first-run
; dialog asks for facility, bench and hub and writes it).
;
; Data: C:\ProgramData\Workstation holds the config and data\ (the two databases); bench users may
; write there (users-modify). Uninstalling removes the program and leaves the data and config.
; The data holds password hashes and names and addresses: users-modify is right when every local
; account on the PC is a bench user (Windows ignores the 0600/0700 modes the app sets on Linux).
; Where other people have accounts on the PC, IT narrows it to a bench group (not run in CI):
;   icacls "C:\ProgramData\Workstation\data" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F
;     *S-1-5-32-544:(OI)(CI)F "BenchUsers":(OI)(CI)M

#ifndef AppVersion
  #error Pass the version from pyproject.toml: ISCC /DAppVersion=X.Y.Z
#endif
#define AppName "Inspection Workstation"
#define DataRoot "{commonappdata}\Workstation"

[Setup]
AppId={{6F0C9E52-3C1D-4E0B-9B7A-2A51D4C3E8A1}
AppName={#AppName}
AppVersion={#AppVersion}
AppPublisher=Inspection Workstation maintainers
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
ChangesEnvironment=yes
OutputDir=..\..\dist
OutputBaseFilename=workstation-{#AppVersion}-windows-x86_64-setup
SetupIconFile=..\..\resources\icons\workstation.ico
UninstallDisplayIcon={app}\workstation.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Dirs]
; Never uninstalled: the records are evidence.
Name: "{#DataRoot}"; Permissions: users-modify; Flags: uninsneveruninstall
Name: "{#DataRoot}\data"; Permissions: users-modify; Flags: uninsneveruninstall

[Files]
Source: "..\..\dist\workstation\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "..\..\resources\workstation.example.toml"; DestDir: "{#DataRoot}"; Flags: ignoreversion
Source: "workstation.toml"; DestDir: "{#DataRoot}"; Flags: onlyifdoesntexist uninsneveruninstall skipifsourcedoesntexist
Source: "vcredist_x64.exe"; DestDir: "{tmp}"; Flags: deleteafterinstall; Check: NeedsVCRuntime2013

[Registry]
; Machine-wide: every bench user's program finds the shared config and data directory.
Root: HKLM; Subkey: "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"; ValueType: string; ValueName: "WORKSTATION_CONFIG"; ValueData: "{#DataRoot}\workstation.toml"; Flags: uninsdeletevalue
Root: HKLM; Subkey: "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"; ValueType: string; ValueName: "WORKSTATION_DATA_DIR"; ValueData: "{#DataRoot}\data"; Flags: uninsdeletevalue

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\workstation.exe"
Name: "{group}\{#AppName} self-test"; Filename: "{cmd}"; Parameters: "/k ""{app}\workstation-cli.exe"" self-test"
Name: "{group}\Uninstall {#AppName}"; Filename: "{uninstallexe}"

[Run]
Filename: "{tmp}\vcredist_x64.exe"; Parameters: "/install /quiet /norestart"; StatusMsg: "Installing the Visual C++ 2013 runtime..."; Check: NeedsVCRuntime2013; Flags: waituntilterminated
Filename: "{cmd}"; Parameters: "/k ""{app}\workstation-cli.exe"" self-test"; Description: "Run the self-test"; Flags: postinstall skipifsilent unchecked
Filename: "{app}\workstation.exe"; Description: "Start {#AppName}"; Flags: postinstall skipifsilent nowait

[Code]
function NeedsVCRuntime2013: Boolean;
begin
  // msvcr120.dll in System32 is what libzbar-64.dll loads; present when the runtime is installed.
  Result := not FileExists(ExpandConstant('{sys}\msvcr120.dll'));
end;
