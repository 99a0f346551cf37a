#pragma once

// Impersonation (super admins only): the admin states a reason and a duration; the core checks
// both and the rules (nobody impersonates a super admin or themself), opens a session marked with
// the impersonator, and audits it. The session token is shown once in a SecretDialog.

#include "backend.h"
#include "fielderrors.h"

#include <QDialog>
#include <QPointer>

class QDialogButtonBox;
class QLabel;
class QPlainTextEdit;
class QSpinBox;

namespace portcullis {

class ImpersonateDialog : public QDialog
{
    Q_OBJECT

public:
    ImpersonateDialog(Backend* backend, const User& user, QWidget* parent = nullptr);

    // The session opened (valid after accepted()); its token is not kept here.
    Session createdSession() const { return m_session; }

signals:
    void impersonated(const portcullis::Session& session);

private:
    void submit();

    QPointer<Backend> m_backend;
    User m_user;
    Session m_session;
    FieldErrors m_errors;
    QPlainTextEdit* m_reason = nullptr;
    QSpinBox* m_minutes = nullptr;
    QLabel* m_message = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

} // namespace portcullis
