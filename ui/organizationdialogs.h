#pragma once

// Dialogs of the Organizations pane. Each submits to the backend itself and stays open with the
// core's field errors when the request is refused; it closes only when the change is made.

#include "backend.h"
#include "dialogparts.h"
#include "fielderrors.h"

#include <QDialog>
#include <QPointer>

class QComboBox;
class QDialogButtonBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;

namespace portcullis {

class SecretDialog;

// Create (organization == nullptr) or edit an organization. Only super admins change the plan,
// the user limit and the features; an admin may rename their own organization.
class OrganizationDialog : public FormDialog
{
    Q_OBJECT

public:
    OrganizationDialog(Backend* backend, const Organization* organization, QWidget* parent = nullptr);
    Organization savedOrganization() const { return m_saved; }

    // The features offered as checkboxes; others can be typed in.
    static QStringList knownFeatures();

protected:
    // Enter in the "another feature" field adds the feature instead of submitting the dialog.
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void buildNameAndSlug();
    void buildPlan();
    QWidget* buildFeatures();
    QFormLayout* buildForm(QWidget* featuresBox, const QString& superOnlyNote);
    void deriveSlugFromName();
    void addFeature(const QString& feature, bool checked);
    QStringList checkedFeatures() const;
    void submit();

    QPointer<Backend> m_backend;
    bool m_editing = false;
    bool m_slugEdited = false;
    Organization m_original;
    Organization m_saved;
    FieldErrors m_errors;
    QLineEdit* m_name = nullptr;
    QLineEdit* m_slug = nullptr;
    QComboBox* m_plan = nullptr;
    QSpinBox* m_maxUsers = nullptr;
    QListWidget* m_features = nullptr;
    QLineEdit* m_newFeature = nullptr;
    QLabel* m_message = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

// Wipe out: deletes an organization and everything in it. The button enables only when the
// organization's slug is typed exactly.
class WipeOutDialog : public QDialog
{
    Q_OBJECT

public:
    WipeOutDialog(Backend* backend, const Organization& organization, QWidget* parent = nullptr);

private:
    void submit();

    QPointer<Backend> m_backend;
    Organization m_organization;
    FieldErrors m_errors;
    QLineEdit* m_confirm = nullptr;
    QPushButton* m_wipeOut = nullptr;
    QLabel* m_message = nullptr;
    bool m_busy = false;
};

// Invite someone into an organization with a role below the admin's own level.
class InvitationDialog : public FormDialog
{
    Q_OBJECT

public:
    InvitationDialog(Backend* backend, const Organization& organization, const QList<Role>& roles,
                     QWidget* parent = nullptr);
    // The invitation with its token, handed over once: the dialog forgets the token.
    CreatedInvitation takeCreated();

private:
    void submit();

    QPointer<Backend> m_backend;
    Organization m_organization;
    CreatedInvitation m_created;
    FieldErrors m_errors;
    QLineEdit* m_email = nullptr;
    QComboBox* m_role = nullptr;
    QSpinBox* m_days = nullptr;
    QLabel* m_message = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

// "portcullis://accept?token=…", the link an invitee opens to accept.
QString invitationLink(const QString& token);
// Shows the invitation token once, with a Copy link button next to the Copy button.
SecretDialog* showInvitationSecret(const CreatedInvitation& created, const Organization& organization, QWidget* parent);

} // namespace portcullis
