#pragma once

// The selected user's latest audit events in the users pane's details panel: what they did and what
// was done to their account (AuditQuery::involvesUserId), newest first, with a link to all of them
// in the audit pane. Loaded asynchronously whenever the selection moves; an answer for a user no
// longer shown is dropped (a generation counter), so a quickly moving selection never shows a stale
// list. An admin whose role cannot read the audit log sees a sentence saying so instead of the list.

#include "backend.h"

#include <QPointer>
#include <QWidget>

class QAction;
class QLabel;
class QListWidget;
class QToolButton;

namespace portcullis {

class UserActivityView : public QWidget
{
    Q_OBJECT

public:
    static constexpr int ShownEvents = 10;

    explicit UserActivityView(Backend* backend, QWidget* parent = nullptr);

    // Shows the events of `user` (nullptr: nothing). The same user again reloads only when `reload`
    // (the list's data was loaded again, as after a write).
    void showUser(const User* user, bool reload);
    QAction* showAllAction() const { return m_showAllAction; }

    // "user.password_changed" -> "Password changed", "role.assigned" -> "Role assigned".
    static QString readableAction(const QString& action);

signals:
    // "Show all in the audit log": the audit pane, filtered to the events involving this user.
    void showAllRequested(portcullis::Id userId, const QString& email);

private:
    void load();
    void showEvents(const QList<AuditEvent>& events);
    void showStatus(const QString& text);
    QString otherParty(const AuditEvent& event) const;

    QPointer<Backend> m_backend;
    Id m_userId = 0;
    QString m_email;
    int m_generation = 0;
    QLabel* m_heading = nullptr;
    QLabel* m_status = nullptr;
    QListWidget* m_list = nullptr;
    QAction* m_showAllAction = nullptr;
    QToolButton* m_showAll = nullptr;
};

} // namespace portcullis
