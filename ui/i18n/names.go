// The names Go's layouts write in English, one lookup each so that
// the translation check (check_test.go) sees every key.

package i18n

import (
	"time"

	"fyne.io/fyne/v2/lang"
)

func monthName(v time.Month) string {
	switch v {
	case time.January:
		return lang.X("month.january", "January")
	case time.February:
		return lang.X("month.february", "February")
	case time.March:
		return lang.X("month.march", "March")
	case time.April:
		return lang.X("month.april", "April")
	case time.May:
		return lang.X("month.may", "May")
	case time.June:
		return lang.X("month.june", "June")
	case time.July:
		return lang.X("month.july", "July")
	case time.August:
		return lang.X("month.august", "August")
	case time.September:
		return lang.X("month.september", "September")
	case time.October:
		return lang.X("month.october", "October")
	case time.November:
		return lang.X("month.november", "November")
	case time.December:
		return lang.X("month.december", "December")
	}
	return v.String()
}

func monthShort(v time.Month) string {
	switch v {
	case time.January:
		return lang.X("month.short.january", "Jan")
	case time.February:
		return lang.X("month.short.february", "Feb")
	case time.March:
		return lang.X("month.short.march", "Mar")
	case time.April:
		return lang.X("month.short.april", "Apr")
	case time.May:
		return lang.X("month.short.may", "May")
	case time.June:
		return lang.X("month.short.june", "Jun")
	case time.July:
		return lang.X("month.short.july", "Jul")
	case time.August:
		return lang.X("month.short.august", "Aug")
	case time.September:
		return lang.X("month.short.september", "Sep")
	case time.October:
		return lang.X("month.short.october", "Oct")
	case time.November:
		return lang.X("month.short.november", "Nov")
	case time.December:
		return lang.X("month.short.december", "Dec")
	}
	return v.String()
}

func weekdayName(v time.Weekday) string {
	switch v {
	case time.Sunday:
		return lang.X("weekday.sunday", "Sunday")
	case time.Monday:
		return lang.X("weekday.monday", "Monday")
	case time.Tuesday:
		return lang.X("weekday.tuesday", "Tuesday")
	case time.Wednesday:
		return lang.X("weekday.wednesday", "Wednesday")
	case time.Thursday:
		return lang.X("weekday.thursday", "Thursday")
	case time.Friday:
		return lang.X("weekday.friday", "Friday")
	case time.Saturday:
		return lang.X("weekday.saturday", "Saturday")
	}
	return v.String()
}

func weekdayShort(v time.Weekday) string {
	switch v {
	case time.Sunday:
		return lang.X("weekday.short.sunday", "Sun")
	case time.Monday:
		return lang.X("weekday.short.monday", "Mon")
	case time.Tuesday:
		return lang.X("weekday.short.tuesday", "Tue")
	case time.Wednesday:
		return lang.X("weekday.short.wednesday", "Wed")
	case time.Thursday:
		return lang.X("weekday.short.thursday", "Thu")
	case time.Friday:
		return lang.X("weekday.short.friday", "Fri")
	case time.Saturday:
		return lang.X("weekday.short.saturday", "Sat")
	}
	return v.String()
}
