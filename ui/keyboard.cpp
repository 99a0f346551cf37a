#include "keyboard.h"

#include <QAbstractButton>
#include <QAbstractItemView>
#include <QApplication>
#include <QContextMenuEvent>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFocusEvent>
#include <QKeyEvent>
#include <QLayout>
#include <QShortcut>

namespace portcullis::keyboard {

namespace {

class ContextMenuKeys : public QObject
{
public:
    explicit ContextMenuKeys(QAbstractItemView* view)
        : QObject(view)
        , m_view(view)
    {
        view->installEventFilter(this);
    }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        if (watched != m_view)
            return false;
        switch (event->type()) {
        case QEvent::KeyPress: {
            const auto* key = static_cast<QKeyEvent*>(event);
            const Qt::KeyboardModifiers modifiers = key->modifiers() & ~Qt::KeypadModifier;
            const bool menuKey = key->key() == Qt::Key_Menu && modifiers == Qt::NoModifier;
            const bool shiftF10 = key->key() == Qt::Key_F10 && modifiers == Qt::ShiftModifier;
            return (menuKey || shiftF10) && requestMenu();
        }
        case QEvent::ContextMenu:
            // Platforms that turn the Menu key into a context menu event of their own (X11): at
            // the current row too, not at the mouse pointer.
            return static_cast<QContextMenuEvent*>(event)->reason() == QContextMenuEvent::Keyboard && requestMenu();
        case QEvent::FocusIn: {
            const Qt::FocusReason reason = static_cast<QFocusEvent*>(event)->reason();
            if (reason == Qt::TabFocusReason || reason == Qt::BacktabFocusReason || reason == Qt::ShortcutFocusReason)
                selectCurrentIfNothingIs();
            return false;
        }
        default:
            return false;
        }
    }

private:
    bool requestMenu()
    {
        if (m_view->contextMenuPolicy() != Qt::CustomContextMenu || QApplication::activePopupWidget())
            return false;
        QModelIndex index = m_view->currentIndex();
        if (!index.isValid() && m_view->selectionModel() && m_view->selectionModel()->hasSelection())
            index = m_view->selectionModel()->selectedIndexes().constFirst();
        QPoint pos(m_view->viewport()->width() / 2, m_view->viewport()->height() / 2);
        if (index.isValid()) {
            m_view->scrollTo(index);
            const QRect cell = m_view->visualRect(index);
            pos = QPoint(cell.left() + std::min(cell.width() / 2, 2 * cell.height()), cell.center().y());
        }
        emit m_view->customContextMenuRequested(pos);
        return true;
    }

    void selectCurrentIfNothingIs()
    {
        QItemSelectionModel* selection = m_view->selectionModel();
        QAbstractItemModel* model = m_view->model();
        if (!selection || !model || selection->hasSelection() || model->rowCount(m_view->rootIndex()) == 0
            || m_view->selectionMode() == QAbstractItemView::NoSelection)
            return;
        QModelIndex index = m_view->currentIndex();
        if (!index.isValid())
            index = model->index(0, 0, m_view->rootIndex());
        QItemSelectionModel::SelectionFlags command = QItemSelectionModel::ClearAndSelect;
        if (m_view->selectionBehavior() == QAbstractItemView::SelectRows)
            command |= QItemSelectionModel::Rows;
        selection->setCurrentIndex(index, command);
    }

    QAbstractItemView* m_view;
};

class ButtonOrder : public QObject
{
public:
    explicit ButtonOrder(QDialogButtonBox* box)
        : QObject(box)
        , m_box(box)
    {
        box->installEventFilter(this);
        apply();
    }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        // The box lays its buttons out again (and posts a layout request) when buttons change.
        if (watched == m_box && (event->type() == QEvent::LayoutRequest || event->type() == QEvent::Show))
            apply();
        return false;
    }

private:
    void apply()
    {
        QLayout* layout = m_box->layout();
        if (!layout)
            return;
        QWidget* previous = nullptr;
        for (int i = 0; i < layout->count(); ++i) {
            auto* button = qobject_cast<QAbstractButton*>(layout->itemAt(i)->widget());
            if (!button)
                continue;
            if (previous)
                QWidget::setTabOrder(previous, button);
            previous = button;
        }
    }

    QDialogButtonBox* m_box;
};

} // namespace

void enableContextMenuKeys(QAbstractItemView* view)
{
    new ContextMenuKeys(view);
}

void followVisualOrder(QDialogButtonBox* box)
{
    new ButtonOrder(box);
}

void addSubmitShortcut(QDialog* dialog, QAbstractButton* button)
{
    for (const QKeySequence& key :
         { QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter) }) {
        auto* shortcut = new QShortcut(key, dialog);
        QObject::connect(shortcut, &QShortcut::activated, button, [button] {
            if (button->isEnabled() && button->isVisible())
                button->click();
        });
    }
}

QString withMnemonic(const QString& text, QSet<QChar>* used)
{
    for (int i = 0; i + 1 < text.size(); ++i) {
        if (text.at(i) != QLatin1Char('&'))
            continue;
        if (text.at(i + 1) == QLatin1Char('&')) {
            ++i;
            continue;
        }
        used->insert(text.at(i + 1).toLower());
        return text;
    }
    for (int i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i).toLower();
        if (c.isLetterOrNumber() && !used->contains(c)) {
            used->insert(c);
            QString marked = text;
            marked.insert(i, QLatin1Char('&'));
            return marked;
        }
    }
    return text;
}

} // namespace portcullis::keyboard
