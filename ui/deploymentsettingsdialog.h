#pragma once

// Edit > Deployment settings… (super admins): the settings every server and console of the
// deployment applies (token lifetimes, lockout, password length, the default API key rate limit,
// impersonation, audit retention, invitations), grouped, each with its unit and its default. Loads
// the settings in effect when opened (property "loading" true until then), saves only what changed
// and stays open with the core's field errors when a value is refused.

#include "backend.h"
#include "dialogparts.h"
#include "fielderrors.h"

#include <QHash>
#include <QPointer>

#include <optional>

class QCheckBox;
class QDialogButtonBox;
class QFormLayout;
class QLabel;
class QPushButton;
class QSpinBox;
class QVBoxLayout;

namespace portcullis {

class DeploymentSettingsDialog : public FormDialog
{
    Q_OBJECT

public:
    explicit DeploymentSettingsDialog(Backend* backend, QWidget* parent = nullptr);
    // The settings as the widgets hold them.
    DeploymentSettings current() const;
    bool hasChanges() const override;

signals:
    void saved(const portcullis::DeploymentSettings& settings);

private:
    QFormLayout* addGroup(QVBoxLayout* layout, const QString& title, const QString& objectName);
    void addSetting(QFormLayout* form, const QString& name, const QString& label);
    void load();
    void showSettings(const DeploymentSettings& settings);
    void restoreDefaults();
    void submit();

    QPointer<Backend> m_backend;
    std::optional<DeploymentSettings> m_loaded;
    FieldErrors m_errors;
    QHash<QString, QSpinBox*> m_spins; // by setting name
    QCheckBox* m_impersonation = nullptr;
    QLabel* m_message = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
    QPushButton* m_restore = nullptr;
};

} // namespace portcullis
