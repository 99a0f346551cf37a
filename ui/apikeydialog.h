#pragma once

// Create an API key: the owner (typed as an email, resolved to a user; the signed-in admin by
// default), a name, scopes limited to what the owner holds, an optional expiry, a rate limit and an
// IP allowlist. The dialog submits itself and stays open with the core's field errors on a refusal;
// on success the pane takes the secret (takeCreated) and shows it once.

#include "backend.h"
#include "dialogparts.h"
#include "fielderrors.h"

#include <QDialog>
#include <QPointer>

class QCheckBox;
class QDateEdit;
class QDialogButtonBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QSpinBox;
class QTimer;

namespace portcullis {

class ApiKeyDialog : public FormDialog
{
    Q_OBJECT

public:
    // The owner field starts with `ownerEmail` (empty: the signed-in admin's own email).
    explicit ApiKeyDialog(Backend* backend, QWidget* parent = nullptr, const QString& ownerEmail = {});

    // The created key with its secret, handed over once: the dialog forgets the secret.
    CreatedApiKey takeCreated();
    Id ownerId() const { return m_ownerId; }

signals:
    // The owner was resolved and their scopes are listed (or the owner could not be resolved).
    void ownerResolved(bool ok);

private:
    void buildOwnerAndName(const QString& ownerEmail);
    QWidget* buildScopes();
    QWidget* buildExpiry();
    void buildLimits();
    QFormLayout* buildForm(QWidget* scopesBox, QWidget* expiryBox);
    void buildButtons();
    void layOut(QFormLayout* form);
    void connectFields();
    void ownerEdited();
    void resolveOwner();
    void setOwner(const User& user);
    void ownerFailed(const QString& message);
    void loadScopes(Id ownerId);
    void applyScopeFilter();
    void updateCreateEnabled();
    void submit();

    QPointer<Backend> m_backend;
    FieldErrors m_errors;
    Id m_ownerId = 0;
    int m_resolveGeneration = 0;
    CreatedApiKey m_created;
    bool m_busy = false;

    QLineEdit* m_owner = nullptr;
    QLabel* m_ownerStatus = nullptr;
    QTimer* m_resolveDelay = nullptr;
    QLineEdit* m_name = nullptr;
    QLineEdit* m_scopeFilter = nullptr;
    QListWidget* m_scopes = nullptr;
    QLabel* m_scopeSummary = nullptr;
    QCheckBox* m_expires = nullptr;
    QDateEdit* m_expiresOn = nullptr;
    QSpinBox* m_rateLimit = nullptr;
    QPlainTextEdit* m_ipAllowlist = nullptr;
    QLabel* m_message = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

} // namespace portcullis
