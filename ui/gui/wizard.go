package gui

import "github.com/tributary-mail/tributary/core"

// OpenWizard opens the account wizard, for a new account when acct is nil.
func (a *App) OpenWizard(acct *core.Account) {}

// OpenSettings lists the accounts for editing and removal.
func (a *App) OpenSettings() {}
